// functions/sign-up.ts: a handler that knows nothing of stakeout
export async function handler(event: { email: string }): Promise<{ created: boolean }> {
  const response = await fetch('https://users.example.com/v1/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: event.email }),
  })
  return { created: response.status === 201 }
}
