import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { failArgument, StakeoutError } from '../errors.js'

/**
 * The DynamoDB Local release stakeout runs: the one shipped inside the npm package
 * `amplify-dynamodb-simulator` at this version (DynamoDB Local itself reports 1.25.x).
 */
export const DYNAMODB_LOCAL_VERSION = '2.9.30'

/** The npm package the DynamoDB Local jar is fetched from (never installed as a dependency). */
const SIMULATOR_PACKAGE = `amplify-dynamodb-simulator@${DYNAMODB_LOCAL_VERSION}`

/** The oldest Java major version DynamoDB Local 1.25 runs on. */
const MINIMUM_JAVA = 17

/** How to get a suitable Java, appended to every Java error. */
const JAVA_ADVICE = `Install Java ${MINIMUM_JAVA}+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17), or set JAVA_HOME to a Java ${MINIMUM_JAVA}+ installation, or pass javaPath.`

/** Options of {@link startDynamoDBLocal}. */
export interface DynamoDBLocalOptions {
  /**
   * The TCP port DynamoDB Local listens on. DynamoDB Local binds it on every interface (it has no host option).
   * @default a free port, picked by binding 127.0.0.1:0
   */
  readonly port?: number
  /**
   * Where the DynamoDB Local jar is cached (downloaded once) and where Java keeps its temporary files.
   * @default `$STAKEOUT_CACHE_DIR`, else `node_modules/.cache/stakeout` under the nearest package root from `process.cwd()`
   */
  readonly cacheDir?: string
  /**
   * How long to wait, once Java is started, for DynamoDB Local to answer a request.
   * @default 30000
   */
  readonly startTimeoutMs?: number
  /**
   * The Java 17+ executable.
   * @default `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH
   */
  readonly javaPath?: string
  /**
   * Aborts the download and the start; a DynamoDB Local that is already running is stopped.
   * @default none
   */
  readonly signal?: AbortSignal
}

/** Options of {@link fetchDynamoDBLocal}. */
export interface FetchDynamoDBLocalOptions {
  /**
   * The cache directory.
   * @default as {@link DynamoDBLocalOptions.cacheDir}
   */
  readonly cacheDir?: string
  /**
   * Aborts the download.
   * @default none
   */
  readonly signal?: AbortSignal
}

/** A running DynamoDB Local, from {@link startDynamoDBLocal}. */
export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>`: pass it as `endpoint` to an AWS SDK DynamoDB client. */
  readonly endpoint: string
  /** The port it listens on. */
  readonly port: number
  /** The process id of the Java process (it dies with this Node.js process, even on SIGKILL). */
  readonly pid: number
  /** Stops DynamoDB Local and waits until its Java process has exited and the port is free. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts AWS's DynamoDB Local (in memory, one database for every credential and region) and waits until it
 * answers. The jar is fetched once into the cache with npm; Java 17+ must be installed.
 *
 * The Java process is tied to this Node.js process: it is stopped by {@link DynamoDBLocal.stop}, when Node.js
 * exits, and even when Node.js is killed with SIGKILL.
 *
 * @throws {StakeoutError} when Java is missing or older than 17, the download fails, Java exits early or
 * DynamoDB Local does not answer within `startTimeoutMs`.
 * @example
 * import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
 * import { startDynamoDBLocal } from 'stakeout/local'
 *
 * const dynamodb = await startDynamoDBLocal()
 * const client = new DynamoDBClient({
 *   endpoint: dynamodb.endpoint,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
 * })
 * await client.send(new ListTablesCommand({}))
 * await dynamodb.stop()
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<DynamoDBLocal> {
  validateOptions(options)
  const { signal } = options
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir())
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const javaPath = options.javaPath ?? defaultJavaPath()

  await assertJava(javaPath, signal)
  const emulatorDir = await fetchDynamoDBLocal({ cacheDir, ...(signal ? { signal } : {}) })
  const javaTmpDir = join(cacheDir, 'tmp')
  await mkdir(javaTmpDir, { recursive: true })

  // A port picked by us can be taken by someone else before Java binds it: then pick another.
  const attempts = options.port === undefined ? 3 : 1
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort())
    // Java binds the wildcard address, which can succeed beside a server on 127.0.0.1:port; our requests would
    // then reach that other server. Check the loopback port ourselves first.
    if (options.port !== undefined) await assertPortFree(port)
    try {
      return await launch({ javaPath, emulatorDir, javaTmpDir, port, startTimeoutMs, signal })
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error
    }
  }
}

/**
 * Downloads DynamoDB Local into the cache once (`npm pack` of `amplify-dynamodb-simulator`, of which only
 * `package/emulator` is kept) and returns the directory holding `DynamoDBLocal.jar`. Concurrent calls, from
 * this or other processes, are safe: each extracts into its own temporary directory and the first rename wins.
 *
 * @example
 * // CI: fetch before the tests, so no test timeout includes the download
 * import { fetchDynamoDBLocal } from 'stakeout/local'
 * console.log(await fetchDynamoDBLocal()) // …/node_modules/.cache/stakeout/dynamodb-local-2.9.30
 */
export async function fetchDynamoDBLocal(options: FetchDynamoDBLocalOptions = {}): Promise<string> {
  if (options.cacheDir !== undefined && (typeof options.cacheDir !== 'string' || options.cacheDir === '')) {
    failArgument(fetchDynamoDBLocal, 'fetchDynamoDBLocal', 'options.cacheDir', 'a non-empty string', options.cacheDir)
  }
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir())
  const target = join(cacheDir, `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`)
  if (isEmulatorDir(target)) return target

  let pending = downloads.get(target)
  if (!pending) {
    pending = download(cacheDir, target, options.signal).finally(() => downloads.delete(target))
    downloads.set(target, pending)
  }
  return pending
}

/**
 * The default cache directory: `$STAKEOUT_CACHE_DIR`, else `node_modules/.cache/stakeout` under the nearest
 * directory holding a package.json, from `process.cwd()` up; else `<os tmpdir>/stakeout`.
 *
 * @example
 * defaultCacheDir() // '/home/me/app/node_modules/.cache/stakeout'
 */
export function defaultCacheDir(): string {
  const fromEnv = process.env.STAKEOUT_CACHE_DIR
  if (fromEnv) return resolve(fromEnv)
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'node_modules', '.cache', 'stakeout')
    if (dirname(dir) === dir) return join(tmpdir(), 'stakeout')
  }
}

/**
 * Checks that `javaPath` runs Java 17 or newer and returns its major version.
 *
 * @throws {StakeoutError} naming what to install when Java is missing or too old.
 * @example
 * await assertJava('java') // 17
 */
export async function assertJava(javaPath: string = defaultJavaPath(), signal?: AbortSignal): Promise<number> {
  if (typeof javaPath !== 'string' || javaPath === '') {
    failArgument(assertJava, 'assertJava', 'javaPath', 'a non-empty string (a path to the java executable)', javaPath)
  }
  let output: string
  try {
    const { stdout, stderr } = await run(javaPath, ['-version'], { signal })
    output = `${stderr}\n${stdout}`
  } catch (error) {
    if (signal?.aborted) throw error
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'was not found' : 'failed to run'
    throw new StakeoutError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, but \`${javaPath} -version\` ${reason}: ${(error as Error).message.trim()}. ${JAVA_ADVICE}`,
    )
  }
  const major = javaMajorVersion(output)
  if (major === undefined) {
    throw new StakeoutError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, but the version of \`${javaPath}\` could not be read from: ${tail(output, 300)}. ${JAVA_ADVICE}`,
    )
  }
  if (major < MINIMUM_JAVA) {
    throw new StakeoutError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, but \`${javaPath}\` is Java ${major}. ${JAVA_ADVICE}`,
    )
  }
  return major
}

/** `openjdk version "17.0.15"` → 17, `java version "1.8.0_292"` → 8. */
function javaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output)
  if (!match) return undefined
  const first = Number(match[1])
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first
}

function defaultJavaPath(): string {
  const home = process.env.JAVA_HOME
  if (home) {
    const java = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java')
    if (existsSync(java)) return java
  }
  return 'java'
}

function validateOptions(options: DynamoDBLocalOptions): void {
  const callee = 'startDynamoDBLocal'
  if (typeof options !== 'object' || options === null) {
    failArgument(startDynamoDBLocal, callee, 'options', 'an object', options)
  }
  const { port, cacheDir, startTimeoutMs, javaPath, signal } = options
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    failArgument(startDynamoDBLocal, callee, 'options.port', 'an integer from 1 to 65535', port)
  }
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir === '')) {
    failArgument(startDynamoDBLocal, callee, 'options.cacheDir', 'a non-empty string', cacheDir)
  }
  if (startTimeoutMs !== undefined && !(typeof startTimeoutMs === 'number' && startTimeoutMs > 0)) {
    failArgument(
      startDynamoDBLocal,
      callee,
      'options.startTimeoutMs',
      'a positive number of milliseconds',
      startTimeoutMs,
    )
  }
  if (javaPath !== undefined && (typeof javaPath !== 'string' || javaPath === '')) {
    failArgument(startDynamoDBLocal, callee, 'options.javaPath', 'a non-empty string', javaPath)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    failArgument(startDynamoDBLocal, callee, 'options.signal', 'an AbortSignal', signal)
  }
}

/** Downloads in flight in this process, by target directory. */
const downloads = new Map<string, Promise<string>>()

function isEmulatorDir(dir: string): boolean {
  return existsSync(join(dir, 'DynamoDBLocal.jar')) && existsSync(join(dir, 'DynamoDBLocal_lib'))
}

async function download(cacheDir: string, target: string, signal: AbortSignal | undefined): Promise<string> {
  await mkdir(cacheDir, { recursive: true })
  const work = await mkdtemp(join(cacheDir, `.dynamodb-local-${DYNAMODB_LOCAL_VERSION}-`))
  try {
    const npm = findNpm()
    try {
      await run(npm.command, [...npm.args, 'pack', SIMULATOR_PACKAGE, '--loglevel=error'], { cwd: work, signal })
    } catch (error) {
      if (signal?.aborted) throw error
      throw new StakeoutError(
        `Could not download DynamoDB Local: \`npm pack ${SIMULATOR_PACKAGE}\` failed: ${tail(String((error as Error).message), 1000)}`,
      )
    }
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'))
    if (!tarball) throw new StakeoutError(`Could not download DynamoDB Local: npm pack left no .tgz in ${work}`)
    await run('tar', ['-xzf', tarball, '-C', work, 'package/emulator'], { cwd: work, signal })
    const extracted = join(work, 'package', 'emulator')
    if (!isEmulatorDir(extracted)) {
      throw new StakeoutError(
        `Could not install DynamoDB Local: ${SIMULATOR_PACKAGE} holds no emulator/DynamoDBLocal.jar`,
      )
    }
    try {
      await rename(extracted, target)
    } catch (error) {
      // Another process renamed its copy first: theirs is complete (rename is atomic), use it.
      if (!isEmulatorDir(target)) throw error
    }
    return target
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** npm next to the running node (as installed by Node.js), else npm on PATH. */
function findNpm(): { command: string; args: string[] } {
  const bin = dirname(process.execPath)
  if (process.platform !== 'win32') {
    if (existsSync(join(bin, 'npm'))) return { command: join(bin, 'npm'), args: [] }
    const cli = join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
    if (existsSync(cli)) return { command: process.execPath, args: [cli] }
  }
  const npmCli = process.env.npm_execpath
  if (npmCli && /npm-cli\.js$/.test(npmCli) && existsSync(npmCli)) return { command: process.execPath, args: [npmCli] }
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] }
}

/** Binds 127.0.0.1:0 and returns the port the system gave. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', ok)
  })
  const address = server.address()
  await new Promise((ok) => server.close(ok))
  if (address === null || typeof address === 'string') throw new StakeoutError('Could not pick a free port')
  return address.port
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer()
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail)
      server.listen(port, '127.0.0.1', ok)
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StakeoutError(
        `DynamoDB Local could not listen on port ${port}: it is already in use. Pass another port, or none to get a free one.`,
      )
    }
    throw error
  }
  await new Promise((ok) => server.close(ok))
}

/**
 * Runs java in the background and blocks on reading its stdin, a pipe from Node.js. When Node.js goes away,
 * however it goes (stop(), exit, crash, SIGKILL), the pipe closes, `cat` returns and the guard kills java.
 * If java ignores SIGTERM for 5 s, SIGKILL follows. Signals to the shell itself are passed on to java.
 */
const GUARD_SCRIPT = `
"$@" </dev/null &
java=$!
echo "stakeout-java-pid $java"
exec 3<&0
(
  cat <&3
  kill -TERM $java
  sleep 5 & timer=$!
  trap 'kill $timer; exit' TERM
  wait $timer && kill -KILL $java
) >/dev/null 2>&1 &
guard=$!
exec 3<&-
interrupted=
trap 'interrupted=1; kill -TERM $java 2>/dev/null' HUP INT TERM
wait $java
status=$?
if [ -n "$interrupted" ]; then wait $java; status=$?; fi
kill -TERM $guard 2>/dev/null
exit $status
`

/** Java exited because the port was taken: {@link startDynamoDBLocal} retries with another port. */
class PortTakenError extends StakeoutError {}

interface LaunchOptions {
  javaPath: string
  emulatorDir: string
  javaTmpDir: string
  port: number
  startTimeoutMs: number
  signal: AbortSignal | undefined
}

async function launch({
  javaPath,
  emulatorDir,
  javaTmpDir,
  port,
  startTimeoutMs,
  signal,
}: LaunchOptions): Promise<DynamoDBLocal> {
  signal?.throwIfAborted()
  const javaArgs = [
    // C1 only and one GC thread: half the CPU to start, which matters on a shared 2-core CI machine; a test
    // database never runs long enough for C2's faster code to pay back.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Djava.io.tmpdir=${javaTmpDir}`,
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    'DynamoDBLocal.jar',
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ]
  const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'stakeout-dynamodb-local', javaPath, ...javaArgs], {
    cwd: emulatorDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const output = new OutputTail()
  let javaPid: number | undefined
  const pidKnown = new Promise<number>((ok) => {
    output.onLine = (line) => {
      const match = /^stakeout-java-pid (\d+)$/.exec(line)
      if (match && javaPid === undefined) {
        javaPid = Number(match[1])
        ok(javaPid)
      }
    }
  })
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk))
  // The pipe is the lifeline; an EPIPE after the shell exited is expected, not a crash.
  child.stdin?.on('error', () => {})

  // Resolves once the shell has exited (java is dead by then) and its last output is read.
  const exited = new Promise<void>((ok) => {
    child.once('exit', () => {
      child.stdin?.destroy()
      const closed = new Promise((closing) => child.once('close', closing))
      void Promise.race([closed, sleep(1_000, undefined, { ref: false })]).then(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
        ok()
      })
    })
  })
  const spawnFailed = new Promise<never>((_, fail) => child.once('error', fail))
  spawnFailed.catch(() => {})

  const killOnExit = () => {
    if (javaPid !== undefined) tryKill(javaPid, 'SIGTERM')
    child.kill('SIGTERM')
  }
  process.once('exit', killOnExit)

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit)
      signal?.removeEventListener('abort', onAbort)
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
      child.stdin?.end()
      const done = await Promise.race([exited.then(() => true), sleep(10_000, false, { ref: false })])
      if (!done) {
        if (javaPid !== undefined) tryKill(javaPid, 'SIGKILL')
        child.kill('SIGKILL')
        await exited
      }
    })()
    return stopping
  }
  const onAbort = () => void stop()
  signal?.addEventListener('abort', onAbort, { once: true })

  const endpoint = `http://127.0.0.1:${port}`
  try {
    const exitedEarly = exited.then(() => earlyExit(output, port))
    exitedEarly.catch(() => {})
    const pid = await Promise.race([pidKnown, spawnFailed, exitedEarly])
    await waitUntilAnswering(endpoint, startTimeoutMs, signal, exited, output, port)
    return { endpoint, port, pid, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  exited: Promise<unknown>,
  output: OutputTail,
  port: number,
): Promise<void> {
  let hasExited = false
  void exited.then(() => {
    hasExited = true
  })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    signal?.throwIfAborted()
    if (hasExited) return earlyExit(output, port)
    if (await answers(endpoint)) return
    if (hasExited) return earlyExit(output, port)
    if (Date.now() >= deadline) {
      throw new StakeoutError(
        `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms (startTimeoutMs). Its output:\n${output.text()}`,
      )
    }
    await sleep(100)
  }
}

/** True when a ListTables request gets a DynamoDB answer. */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListTables',
        // DynamoDB Local checks that a signature is present, not that it is valid.
        Authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    })
    await response.arrayBuffer()
    return response.ok
  } catch {
    return false
  }
}

function earlyExit(output: OutputTail, port: number): never {
  const text = output.text()
  if (/Address already in use|BindException/i.test(text)) {
    throw new PortTakenError(`DynamoDB Local could not listen on port ${port}: it is already in use.\n${text}`)
  }
  throw new StakeoutError(`DynamoDB Local (Java) exited before answering. Its output:\n${text}`)
}

/** The last few KB of DynamoDB Local's stdout and stderr, for error messages. */
class OutputTail {
  onLine: (line: string) => void = () => {}
  #text = ''
  #partial = ''

  push(chunk: Buffer): void {
    const text = chunk.toString('utf8')
    this.#text = (this.#text + text).slice(-4000)
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop() ?? ''
    for (const line of lines) this.onLine(line.trimEnd())
  }

  text(): string {
    return tail(this.#text.replace(/^stakeout-java-pid \d+\n/m, ''), 3000) || '(no output)'
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

function tail(text: string, length: number): string {
  const trimmed = text.trim()
  return trimmed.length > length ? `…${trimmed.slice(-length)}` : trimmed
}

interface RunOptions {
  cwd?: string
  signal?: AbortSignal | undefined
}

/** execFile as a promise; the error message carries stderr, which is what a user needs to see. */
function run(
  command: string,
  args: string[],
  { cwd, signal }: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    execFile(
      command,
      args,
      { ...(cwd ? { cwd } : {}), ...(signal ? { signal } : {}), maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          if (stderr) error.message = `${error.message}\n${stderr}`
          fail(error)
        } else ok({ stdout, stderr })
      },
    )
  })
}
