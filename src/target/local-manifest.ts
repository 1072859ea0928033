import { readFile, rename, writeFile } from 'node:fs/promises'
import { ArgumentError, StakeoutError } from '../errors.js'
import { AWS_SERVICES, type LocalConnection } from './client-settings.js'
import { type StackDescription, type StackResource, StackResources } from './stack-resources.js'
import { isRecord } from './template.js'

/** The environment variable that names the manifest of a running local app (see `startLocal`). */
export const LOCAL_APP_ENV = 'STAKEOUT_LOCAL_APP'

/** Bumped when the manifest's shape changes, so a process of another stakeout version says so instead of misreading it. */
const MANIFEST_VERSION = 1

/**
 * The JSON file a running local app writes for other processes (test workers, scripts): its resources with their
 * local names, and how to reach it. {@link readLocalManifest} turns it back into a {@link StackResources}.
 */
export interface LocalManifest {
  readonly stakeoutLocalApp: typeof MANIFEST_VERSION
  readonly stackName: string
  readonly connection: LocalConnection
  readonly stacks: readonly StackDescription[]
  readonly resources: readonly StackResource[]
  /** The pid of the process that runs the app: a reader can tell a manifest left by a dead run. */
  readonly pid: number
}

/**
 * Writes the manifest of a local app to `file` (whole or not at all: a reader never sees half a file).
 *
 * @param file where to write it, e.g. a temporary directory's `local-app.json`
 * @param resources the app's resources, of source `local`
 * @example
 * await writeLocalManifest(join(dir, 'local-app.json'), app.resources)
 */
export async function writeLocalManifest(file: string, resources: StackResources): Promise<void> {
  if (!(resources instanceof StackResources) || resources.local === undefined) {
    throw new ArgumentError('writeLocalManifest', 'resources', 'the StackResources of a local app', resources)
  }
  const manifest: LocalManifest = {
    stakeoutLocalApp: MANIFEST_VERSION,
    stackName: resources.stackName,
    connection: resources.local,
    stacks: resources.stacks,
    resources: resources.resources,
    pid: process.pid,
  }
  const partial = `${file}.${process.pid}.partial`
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`)
  await rename(partial, file)
}

/**
 * Reads the manifest a running local app wrote (`STAKEOUT_LOCAL_APP` names it) back into its {@link StackResources}.
 *
 * @param file the manifest's path
 * @throws {StakeoutError} the file does not exist (the app was stopped, or never started), or is not a local app's manifest
 * @example
 * const stack = await readLocalManifest(process.env.STAKEOUT_LOCAL_APP!)
 * stack.resolve('Orders').physicalId   // the local table's name
 */
export async function readLocalManifest(file: string): Promise<StackResources> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new StakeoutError(
      `${LOCAL_APP_ENV} names ${file}, which does not exist: the local app that wrote it has stopped (it removes its ` +
        "manifest on stop), or never started. Run the tests through stakeout's global setup or `npx stakeout local`, " +
        `or unset ${LOCAL_APP_ENV}.`,
      { cause: error },
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new StakeoutError(`${LOCAL_APP_ENV} names ${file}, which is not JSON (${(error as Error).message})`, {
      cause: error,
    })
  }
  const problem = manifestProblem(parsed)
  if (problem !== undefined) {
    throw new StakeoutError(`${LOCAL_APP_ENV} names ${file}, which is not the manifest of a local app: ${problem}`)
  }
  const manifest = parsed as LocalManifest
  return new StackResources(manifest.resources, {
    source: 'local',
    stacks: manifest.stacks,
    local: manifest.connection,
  })
}

function manifestProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'it is not a JSON object'
  if (value.stakeoutLocalApp !== MANIFEST_VERSION) {
    return `its version is ${JSON.stringify(value.stakeoutLocalApp)}, this stakeout reads version ${MANIFEST_VERSION} (are two stakeout versions installed?)`
  }
  const connection = value.connection
  if (!isRecord(connection) || typeof connection.region !== 'string' || typeof connection.account !== 'string') {
    return 'connection.region and connection.account must be strings'
  }
  if (!isRecord(connection.endpoints) || Object.keys(connection.endpoints).some((key) => !isKnownService(key))) {
    return `connection.endpoints must map services (${AWS_SERVICES.join(', ')}) to URLs`
  }
  const credentials = connection.credentials
  if (
    !isRecord(credentials) ||
    typeof credentials.accessKeyId !== 'string' ||
    typeof credentials.secretAccessKey !== 'string'
  ) {
    return 'connection.credentials must hold accessKeyId and secretAccessKey'
  }
  if (
    !Array.isArray(value.stacks) ||
    !value.stacks.every((stack) => isRecord(stack) && typeof stack.stackName === 'string')
  ) {
    return 'stacks must be an array of { stackName }'
  }
  const resources = value.resources
  const wellFormed = (resource: unknown) =>
    isRecord(resource) &&
    typeof resource.stackName === 'string' &&
    typeof resource.logicalId === 'string' &&
    typeof resource.type === 'string'
  if (!Array.isArray(resources) || !resources.every(wellFormed)) {
    return 'resources must be an array of { stackName, logicalId, type }'
  }
  return undefined
}

function isKnownService(key: string): boolean {
  return (AWS_SERVICES as readonly string[]).includes(key)
}
