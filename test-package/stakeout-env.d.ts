/**
 * Brings stakeout's Vitest matcher types (`toHaveCalled`, ...) into the program: `setupFiles` loads
 * `stakeout/vitest` at run time, but TypeScript never reads Vitest's config. A `.d.ts` of a
 * `"type": "module"` project resolves the reference as an import, so it gets the ESM typings.
 */
/// <reference types="stakeout/vitest" />
