/** The consumer's Lambda handler: one outbound call, answered by a stakeout mock in the smoke test. */
export const handler = async (event) => {
  const response = await fetch(`https://users.example.test/users/${event.userId}`, {
    headers: { accept: 'application/json' },
  })
  return { status: response.status, user: await response.json() }
}
