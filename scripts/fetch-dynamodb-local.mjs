/**
 * Fetches DynamoDB Local into stakeout's cache (once) and checks Java 17+, so that no test timeout includes the
 * download. Used by .ci/run; the cache is `$STAKEOUT_CACHE_DIR`, else node_modules/.cache/stakeout.
 *
 * Run with tsx, which loads the TypeScript source: `npx tsx scripts/fetch-dynamodb-local.mjs`
 */
import { assertJava, defaultCacheDir, fetchDynamoDBLocal } from '../src/local/dynamodb-local.ts'

const started = Date.now()
const javaMajor = await assertJava()
console.log(`Java ${javaMajor}: ok`)
console.log(`DynamoDB Local cache: ${defaultCacheDir()}`)
const dir = await fetchDynamoDBLocal()
console.log(`DynamoDB Local: ${dir} (${Date.now() - started} ms)`)
