/** Stops the DynamoDB Local that global-setup.mjs started (same process). */
export default async function globalTeardown() {
  await globalThis.stakeoutJestDynamoDB?.stop()
}
