import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { StakeoutError } from '../../errors.js'
import { constructPath, type StackResource } from '../../target/index.js'
import { isRecord } from '../../target/template.js'

/**
 * Code the local target cannot run at all (an S3 object of the user's own, a prebuilt zip, a layer of another
 * stack): the function is listed in the start-up warning and refuses invocations, while the rest of the app runs.
 */
export class NotLocalCodeError extends StakeoutError {
  override name = 'NotLocalCodeError'
  /** The message without the resource it is about: what the warning and the refused invocation say. */
  readonly reason: string

  constructor(who: string, reason: string) {
    super(`${who}: ${reason}`)
    this.reason = reason
  }
}

/**
 * Where the code of a function or layer is in a cloud assembly. CDK records it two ways: the resource's
 * `aws:asset:path` metadata (when asset metadata is on, as the CDK CLI sets it), and the stack's `*.assets.json`,
 * whose file assets map the S3 key the template names to a source path (always written). Both are read.
 */
export class AssetIndex {
  readonly #dirs: readonly string[]
  readonly #byObjectKey: ReadonlyMap<string, { path: string; packaging: string }>

  private constructor(dirs: readonly string[], byObjectKey: ReadonlyMap<string, { path: string; packaging: string }>) {
    this.#dirs = dirs
    this.#byObjectKey = byObjectKey
  }

  /** Reads the asset manifests of the assembly in `dir` and of the nested assemblies a CDK Stage writes. */
  static async read(dir: string): Promise<AssetIndex> {
    const dirs = await assemblyDirs(dir)
    const byObjectKey = new Map<string, { path: string; packaging: string }>()
    for (const assemblyDir of dirs) {
      const files = (await readdir(assemblyDir)).filter((file) => file.endsWith('.assets.json'))
      for (const file of files) {
        const manifest: unknown = JSON.parse(await readFile(join(assemblyDir, file), 'utf8'))
        const assets = isRecord(manifest) && isRecord(manifest.files) ? manifest.files : {}
        for (const asset of Object.values(assets)) {
          if (!isRecord(asset) || !isRecord(asset.source) || typeof asset.source.path !== 'string') continue
          const path = isAbsolute(asset.source.path) ? asset.source.path : join(assemblyDir, asset.source.path)
          const packaging = typeof asset.source.packaging === 'string' ? asset.source.packaging : 'file'
          for (const destination of Object.values(isRecord(asset.destinations) ? asset.destinations : {})) {
            if (isRecord(destination) && typeof destination.objectKey === 'string') {
              byObjectKey.set(destination.objectKey, { path, packaging })
            }
          }
        }
      }
    }
    return new AssetIndex(dirs, byObjectKey)
  }

  /**
   * The directory holding the code of `resource` (its `Code` or `Content` property), checked to exist.
   *
   * @throws {StakeoutError} the template names code that is not an asset of this assembly (an S3 object of its own,
   *   an image), a zip file asset, or an asset directory that is missing
   */
  async codeDirectory(resource: StackResource, property: 'Code' | 'Content', scratchDir?: string): Promise<string> {
    const who = `${constructPath(resource) ?? resource.logicalId} (${resource.type})`
    const inline = property === 'Code' ? resource.properties?.Code : undefined
    if (isRecord(inline) && typeof inline.ZipFile === 'string' && scratchDir !== undefined) {
      // Inline code (lambda.Code.fromInline): CloudFormation writes it to a file named index (index.js for Node.js).
      const dir = join(scratchDir, `inline-${resource.logicalId}`)
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, 'index.js'), inline.ZipFile)
      return dir
    }
    const metadataPath = resource.metadata?.['aws:asset:path']
    let dir: string | undefined
    let packaging = 'zip'
    if (typeof metadataPath === 'string') {
      dir = await this.#find(metadataPath)
      if (dir === undefined) throw missing(who, metadataPath, this.#dirs)
    } else {
      const code = resource.properties?.[property]
      const key = isRecord(code) ? code.S3Key : undefined
      const asset = typeof key === 'string' ? this.#byObjectKey.get(key) : undefined
      if (asset === undefined) {
        throw new NotLocalCodeError(
          who,
          `its ${property} ${JSON.stringify(code)} is not an asset of this cloud assembly, so it cannot run ` +
            'locally: give it code from a directory (lambda.Code.fromAsset, NodejsFunction) or inline code.',
        )
      }
      dir = asset.path
      packaging = asset.packaging
    }
    const stats = await stat(dir).catch(() => undefined)
    if (stats === undefined) throw missing(who, dir, this.#dirs)
    if (!stats.isDirectory() || packaging !== 'zip') {
      throw new NotLocalCodeError(
        who,
        `its asset ${dir} is a file (a prebuilt zip), which the local target does not unpack: build the code ` +
          'from a directory (lambda.Code.fromAsset(dir)) to run it locally.',
      )
    }
    return dir
  }

  async #find(assetPath: string): Promise<string | undefined> {
    if (isAbsolute(assetPath)) return assetPath
    for (const dir of this.#dirs) {
      const candidate = join(dir, assetPath)
      if (
        await stat(candidate).then(
          () => true,
          () => false,
        )
      )
        return candidate
    }
    return undefined
  }
}

function missing(who: string, assetPath: string, dirs: readonly string[]): StakeoutError {
  return new StakeoutError(
    `${who}: its code asset ${assetPath} is missing from the cloud assembly (looked in ${dirs.join(', ')}). ` +
      'Synthesize again (npx cdk synth), or give startLocal the app command so it synthesizes a fresh one.',
  )
}

/** The assembly directory and those of its nested assemblies (CDK Stages), outermost first. */
async function assemblyDirs(dir: string): Promise<string[]> {
  const manifest: unknown = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {}
  const dirs = [dir]
  for (const artifact of Object.values(artifacts)) {
    if (!isRecord(artifact) || artifact.type !== 'cdk:cloud-assembly' || !isRecord(artifact.properties)) continue
    const directoryName = artifact.properties.directoryName
    if (typeof directoryName === 'string') dirs.push(...(await assemblyDirs(join(dir, directoryName))))
  }
  return dirs
}
