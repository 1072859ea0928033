import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import {
  DYNAMODB_LOCAL_VERSION,
  type DynamoDBLocal,
  fetchDynamoDBLocal,
  startDynamoDBLocal,
} from '../../src/local/dynamodb-local.js'
import { LOCAL_AWS_ENV } from '../support/dynamodb.js'

const fixture = fileURLToPath(new URL('./fixtures/start-dynamodb-local.ts', import.meta.url))

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-dynamodb-local-test-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

function clientFor(dynamodb: DynamoDBLocal): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  })
}

/** A port nobody listens on right now (bound on 127.0.0.1:0, then released). */
async function freePort(): Promise<number> {
  const server = await listen(0)
  const address = server.address()
  await close(server)
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

function listen(port: number): Promise<Server> {
  const server = createServer()
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => ok(server))
  })
}

function close(server: Server): Promise<void> {
  return new Promise((ok) => server.close(() => ok()))
}

function isRunning(pid: number): boolean {
  return existsSync(`/proc/${pid}`)
}

/** Polls /proc until the process is gone; false if it is still there after `timeoutMs`. */
async function waitUntilGone(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
  return true
}

/** Writes an executable shell script standing in for `java`. */
async function fakeJava(name: string, body: string): Promise<string> {
  const path = join(scratch, name)
  await writeFile(path, `#!/bin/sh\n${body}\n`)
  await chmod(path, 0o755)
  return path
}

const JAVA_17_VERSION = `if [ "$1" = -version ]; then echo 'openjdk version "17.0.15" 2025-04-15' >&2; exit 0; fi`

describe('startDynamoDBLocal', () => {
  it('runs two DynamoDB Locals at once, on a free port and on a chosen one, each with its own tables', async () => {
    const chosenPort = await freePort()
    const [first, second] = await Promise.all([startDynamoDBLocal(), startDynamoDBLocal({ port: chosenPort })])
    try {
      expect(second.port).toBe(chosenPort)
      expect(second.endpoint).toBe(`http://127.0.0.1:${chosenPort}`)
      expect(first.port).not.toBe(chosenPort)
      expect(first.endpoint).toBe(`http://127.0.0.1:${first.port}`)

      const client = clientFor(first)
      await client.send(
        new CreateTableCommand({
          TableName: 'accounts',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      )
      await client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: 'a-1' }, balance: { N: '42' } } }))
      const { Item } = await client.send(new GetItemCommand({ TableName: 'accounts', Key: { id: { S: 'a-1' } } }))
      expect(Item).toEqual({ id: { S: 'a-1' }, balance: { N: '42' } })

      const { TableNames } = await clientFor(second).send(new ListTablesCommand({}))
      expect(TableNames).toEqual([])
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
  })

  it('stop() ends Java, frees the port and can be called again', async () => {
    const dynamodb = await startDynamoDBLocal()
    expect(isRunning(dynamodb.pid)).toBe(true)
    await expect(listen(dynamodb.port)).rejects.toThrow(/EADDRINUSE/)

    await dynamodb.stop()
    await dynamodb.stop()

    expect(isRunning(dynamodb.pid)).toBe(false)
    await close(await listen(dynamodb.port))
    await expect(clientFor(dynamodb).send(new ListTablesCommand({}))).rejects.toThrow()
  })

  it('leaves no Java process behind when the Node.js process that started it is SIGKILLed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const started = await new Promise<{ pid: number; port: number }>((ok, fail) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'))
        if (line) ok(JSON.parse(line))
      })
      child.once('exit', (code) => fail(new Error(`fixture exited with ${code} before starting: ${stderr}`)))
    })
    expect(isRunning(started.pid)).toBe(true)

    child.kill('SIGKILL')

    expect(await waitUntilGone(started.pid)).toBe(true)
    await close(await listen(started.port))
  })

  it('refuses a Java older than 17 and says what to install', async () => {
    const java11 = await fakeJava('java11', `echo 'openjdk version "11.0.2" 2019-01-15' >&2`)
    const error = await startDynamoDBLocal({ javaPath: java11 }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StakeoutError)
    expect((error as Error).message).toMatch(/needs Java 17\+, but `.*java11` is Java 11\./)
    expect((error as Error).message).toContain('apt-get install openjdk-17-jre-headless')
    expect((error as Error).message).toContain('JAVA_HOME')
  })

  it('reads the old 1.x version scheme: Java 1.8 is Java 8', async () => {
    const java8 = await fakeJava('java8', `echo 'java version "1.8.0_292"' >&2`)
    await expect(startDynamoDBLocal({ javaPath: java8 })).rejects.toThrow(/is Java 8\./)
  })

  it('says what to install when Java is missing', async () => {
    const missing = join(scratch, 'no-such-dir', 'java')
    await expect(startDynamoDBLocal({ javaPath: missing })).rejects.toThrow(
      /needs Java 17\+, but `.*no-such-dir\/java -version` was not found.*apt-get install openjdk-17-jre-headless/s,
    )
  })

  it('reports the output of a Java that exits before answering', async () => {
    const crashing = await fakeJava(
      'crashing-java',
      `${JAVA_17_VERSION}\necho "Error: Unable to access jarfile" >&2\nexit 1`,
    )
    await expect(startDynamoDBLocal({ javaPath: crashing })).rejects.toThrow(
      /exited before answering\. Its output:\nError: Unable to access jarfile/,
    )
  })

  it('gives up after startTimeoutMs and stops the process it started', async () => {
    const pidFile = join(scratch, 'silent-java.pid')
    const silent = await fakeJava('silent-java', `${JAVA_17_VERSION}\necho $$ > ${pidFile}\nexec sleep 60`)
    await expect(startDynamoDBLocal({ javaPath: silent, startTimeoutMs: 300 })).rejects.toThrow(
      /did not answer on http:\/\/127\.0\.0\.1:\d+ within 300 ms \(startTimeoutMs\)/,
    )
    const pid = Number(await readFile(pidFile, 'utf8'))
    expect(await waitUntilGone(pid)).toBe(true)
  })

  it('says so when the chosen port is taken', async () => {
    const taken = await listen(0)
    const address = taken.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    try {
      await expect(startDynamoDBLocal({ port: address.port })).rejects.toThrow(
        new RegExp(`could not listen on port ${address.port}: it is already in use`),
      )
    } finally {
      await close(taken)
    }
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    const dynamodb = await startDynamoDBLocal({ signal: controller.signal })
    controller.abort()
    expect(await waitUntilGone(dynamodb.pid)).toBe(true)
    await dynamodb.stop()
  })

  it('names the bad option', async () => {
    await expect(startDynamoDBLocal({ port: 0 })).rejects.toThrow(ArgumentError)
    await expect(startDynamoDBLocal({ port: 0 })).rejects.toThrow(
      'startDynamoDBLocal: options.port must be an integer from 1 to 65535, received number 0',
    )
    await expect(startDynamoDBLocal({ startTimeoutMs: -1 })).rejects.toThrow(
      'startDynamoDBLocal: options.startTimeoutMs must be a positive number of milliseconds, received number -1',
    )
    await expect(startDynamoDBLocal({ javaPath: '' })).rejects.toThrow(
      "startDynamoDBLocal: options.javaPath must be a non-empty string, received string ''",
    )
  })
})

describe('fetchDynamoDBLocal', () => {
  it('returns the cached emulator directory', async () => {
    const dir = await fetchDynamoDBLocal()
    expect(dir.endsWith(`dynamodb-local-${DYNAMODB_LOCAL_VERSION}`)).toBe(true)
    expect(existsSync(join(dir, 'DynamoDBLocal.jar'))).toBe(true)
    expect(existsSync(join(dir, 'DynamoDBLocal_lib'))).toBe(true)
  })

  it('survives two processes downloading into the same empty cache at once', async () => {
    const cacheDir = join(scratch, 'race-cache')
    const script = `import { fetchDynamoDBLocal } from ${JSON.stringify(fileURLToPath(new URL('../../src/local/dynamodb-local.ts', import.meta.url)))}
process.stdout.write(await fetchDynamoDBLocal({ cacheDir: ${JSON.stringify(cacheDir)} }))`
    const fetchInChild = () =>
      new Promise<string>((ok, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
        })
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
        })
        child.once('exit', (code) => (code === 0 ? ok(stdout) : fail(new Error(`exit ${code}: ${stderr}`))))
      })

    const [first, second] = await Promise.all([fetchInChild(), fetchInChild()])

    const expected = join(cacheDir, `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`)
    expect([first, second]).toEqual([expected, expected])
    expect(existsSync(join(expected, 'DynamoDBLocal.jar'))).toBe(true)
    // Only the winner's copy is left: the loser's temporary directory is gone.
    expect(await readdir(cacheDir)).toEqual([`dynamodb-local-${DYNAMODB_LOCAL_VERSION}`])
  }, 120_000)

  it('names a bad cacheDir', async () => {
    await expect(fetchDynamoDBLocal({ cacheDir: '' })).rejects.toThrow(
      "fetchDynamoDBLocal: options.cacheDir must be a non-empty string, received string ''",
    )
  })
})
