/**
 * Smoke check: the package's bin, from the installed package, brings a small CDK app up on this machine (a function
 * through the installed interceptor layer, its table in DynamoDB Local), serves one invocation through the printed
 * Lambda endpoint, and stops on SIGINT with exit status 0.
 * Usage: node local.mjs <scratch directory>
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { App, Stack } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { applyHttpInterceptor, HttpInterceptor } from 'stakeout/construct'

const scratch = process.argv[2]
assert.ok(scratch, 'usage: node local.mjs <scratch directory>')
const code = path.join(scratch, 'local-code')
mkdirSync(code, { recursive: true })
writeFileSync(path.join(code, 'index.mjs'), 'export const handler = async (event) => ({ hello: event.name })\n')
const app = new App({ outdir: path.join(scratch, 'local.out') })
const stack = new Stack(app, 'SmokeLocal')
new lambda.Function(stack, 'Hello', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(code),
})
applyHttpInterceptor(stack, new HttpInterceptor(stack, 'HttpInterceptor'))
const outdir = app.synth().directory

const bin = fileURLToPath(new URL('./node_modules/.bin/stakeout', import.meta.url))
const child = spawn(bin, ['local', '--app', outdir], { stdio: ['ignore', 'pipe', 'pipe'] })
let stdout = ''
let stderr = ''
child.stdout.on('data', (chunk) => {
  stdout += chunk
})
child.stderr.on('data', (chunk) => {
  stderr += chunk
})
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
const killer = setTimeout(() => child.kill('SIGKILL'), 120_000)
try {
  await new Promise((resolve, reject) => {
    const look = () => stdout.includes('Up until') && resolve()
    child.stdout.on('data', look)
    exited.then(({ code, signal }) => reject(new Error(`stakeout local exited with ${signal ?? code}:\n${stderr}`)))
  })
  const endpoint = /^ {2}export AWS_ENDPOINT_URL_LAMBDA=(\S+)$/m.exec(stdout)?.[1]
  const functionName = /^ {2}SmokeLocal\/Hello\s+AWS::Lambda::Function\s+(\S+)$/m.exec(stdout)?.[1]
  assert.ok(endpoint && functionName, `stakeout local printed its Lambda endpoint and the function:\n${stdout}`)
  // The Invoke API as the SDK calls it (the local endpoint takes any signature).
  const answer = await fetch(`${endpoint}/2015-03-31/functions/${functionName}/invocations`, {
    method: 'POST',
    body: JSON.stringify({ name: 'smoke' }),
  })
  assert.equal(answer.status, 200, `invoke answered ${answer.status}: ${await answer.clone().text()}`)
  assert.deepEqual(await answer.json(), { hello: 'smoke' })
  child.kill('SIGINT')
  assert.deepEqual(await exited, { code: 0, signal: null }, `stakeout local stopped cleanly:\n${stderr}`)
  console.log(`${functionName} answered through ${endpoint}; stopped on SIGINT`)
} finally {
  clearTimeout(killer)
  child.kill('SIGKILL')
}
