import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { synthesizeTinyApp } from './run-target/tiny-app.js'
import { survivors, watchDescendants } from './support/processes.js'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
// By path: the child runs in a scratch folder, where `--import tsx` would not find the package.
const tsx = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href
let scratch: string
let tinyApp: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-cli-'))
  tinyApp = synthesizeTinyApp(join(scratch, 'cdk.out'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

/** `npx stakeout …`, as a real child process (the sources, through tsx). */
function stakeout(args: readonly string[]): { child: ChildProcess; output: { stdout: string; stderr: string } } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const name of ['STAKEOUT_STACK', 'STAKEOUT_APP', 'STAKEOUT_APP_STACK', 'STAKEOUT_LOCAL_APP']) delete env[name]
  const child = spawn(process.execPath, ['--import', tsx, cli, ...args], {
    cwd: scratch,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk) => {
    output.stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output.stderr += chunk
  })
  return { child, output }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

async function run(args: readonly string[]) {
  const { child, output } = stakeout(args)
  const { code } = await exited(child)
  return { code, ...output }
}

/** Resolves once `text` matches what the child printed, or rejects when it exits first. */
function printed(child: ChildProcess, output: { stdout: string }, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = pattern.exec(output.stdout)
      if (found) {
        child.stdout?.off('data', look)
        resolve(found)
      }
    }
    child.stdout?.on('data', look)
    child.once('exit', (code) => reject(new Error(`stakeout exited with ${code} before printing ${pattern}`)))
    look()
  })
}

describe('npx stakeout', () => {
  it('prints its usage with --help', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: stakeout local \[--app <app>\] \[--stack <name>\]\n/)
    expect(stdout).toContain('--stack <name>  the stack to bring up, when the app has several')
  })

  it.each([
    [['local', '--bogus'], "stakeout: Unknown option '--bogus'.\n"],
    [['local', '--app'], "stakeout: Option '--app <value>' argument missing"],
    [['local', '--app', ''], 'stakeout: --app must not be empty'],
    [[], 'stakeout: a command is missing: the only command is `local`'],
    [['serve'], 'stakeout: unknown command "serve": the only command is `local`'],
    [['local', 'npx', 'tsx', 'app.ts'], 'stakeout: unexpected argument "npx": quote an app command'],
  ])('refuses %j with exit status 2, saying why, and the usage', async (args, message) => {
    const { code, stdout, stderr } = await run(args)
    expect(code).toBe(2)
    expect(stderr.startsWith(message)).toBe(true)
    expect(stderr).toContain('Usage: stakeout local')
    expect(stdout).toBe('')
  })

  it('says there is no app to bring up in a folder with no cdk.json, with exit status 1', async () => {
    const { code, stderr } = await run(['local'])
    expect(code).toBe(1)
    expect(stderr).toContain(
      'stakeout local: no app: pass --app <cdk.out, CDK project folder or app command>, set STAKEOUT_APP, or run this where cdk.json is',
    )
  })

  it('brings the app up, prints how to reach it, serves it until SIGINT, then leaves no process behind', async () => {
    const { child, output } = stakeout(['local', '--app', tinyApp])
    const processes = watchDescendants(child.pid ?? 0)
    try {
      await printed(child, output, /Up until Ctrl-C/)
      const variable = (name: string) => {
        const value = new RegExp(`^  export ${name}=(\\S+)$`, 'm').exec(output.stdout)?.[1]
        if (value === undefined) throw new Error(`stakeout local printed no ${name}:\n${output.stdout}`)
        return value
      }
      const endpoint = variable('AWS_ENDPOINT_URL_DYNAMODB')
      const lambdaEndpoint = variable('AWS_ENDPOINT_URL_LAMBDA')
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(lambdaEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const credentials = {
        accessKeyId: variable('AWS_ACCESS_KEY_ID'),
        secretAccessKey: variable('AWS_SECRET_ACCESS_KEY'),
      }
      const settings = { region: variable('AWS_REGION'), credentials }
      const table = /^ {2}Tiny\/Notes\s+AWS::DynamoDB::Table\s+(\S+)$/m.exec(output.stdout)?.[1]
      const greeter = /^ {2}Tiny\/Greeter\s+AWS::Lambda::Function\s+(\S+)$/m.exec(output.stdout)?.[1]
      expect(table).toBeDefined()
      expect(greeter).toBeDefined()

      const dynamodb = new DynamoDBClient({ ...settings, endpoint })
      const lambda = new LambdaClient({ ...settings, endpoint: lambdaEndpoint })
      try {
        expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toContain(table)
        const answer = await lambda.send(
          new InvokeCommand({ FunctionName: greeter, Payload: JSON.stringify({ name: 'stakeout' }) }),
        )
        expect(JSON.parse(new TextDecoder().decode(answer.Payload))).toEqual({ greeting: 'hello stakeout', table })
      } finally {
        dynamodb.destroy()
        lambda.destroy()
      }

      // DynamoDB Local's java and the function's environment, at least.
      processes.stop()
      processes.look()
      expect(processes.seen.size).toBeGreaterThanOrEqual(2)
      child.kill('SIGINT')
      expect(await exited(child)).toEqual({ code: 0, signal: null })
      expect(await survivors(processes.seen.keys())).toEqual([])
      expect(output.stderr).toMatch(/\[stakeout\] stopped in \d+\.\d s/)
    } finally {
      processes.stop()
      child.kill('SIGKILL')
    }
  }, 90_000)

  it('stops what it started when SIGTERM comes while the app is coming up', async () => {
    const { child, output } = stakeout(['local', '--app', tinyApp])
    const processes = watchDescendants(child.pid ?? 0)
    try {
      await new Promise<void>((resolve, reject) => {
        const look = () => {
          if (output.stderr.includes('bringing the local app up')) resolve()
        }
        child.stderr?.on('data', look)
        child.once('exit', (code) => reject(new Error(`stakeout exited with ${code}:\n${output.stderr}`)))
      })
      child.kill('SIGTERM')
      const { code } = await exited(child)
      processes.stop()
      // Interrupted before it was up (130), or, on a fast machine, up and then stopped as asked (0).
      expect([0, 130]).toContain(code)
      expect(await survivors(processes.seen.keys())).toEqual([])
    } finally {
      processes.stop()
      child.kill('SIGKILL')
    }
  }, 90_000)
})
