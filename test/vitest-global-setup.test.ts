// CloudFormation has no local implementation: for the deployed-stack cases it is replaced by aws-sdk-client-mock,
// answering as the AWS docs show. The local cases bring a real app up (DynamoDB Local, real function processes).
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloudFormationClient, GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { resolveTarget } from 'stakeout'
import { startLocal } from 'stakeout/local'
import setup from 'stakeout/vitest/global-setup'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { synthesizeTinyApp } from './run-target/tiny-app.js'

const cloudFormation = mockClient(CloudFormationClient)
let scratch: string
let tinyApp: string
let emptyProject: string
let lines: string[]

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-global-setup-'))
  tinyApp = synthesizeTinyApp(join(scratch, 'cdk.out'))
  emptyProject = await mkdtemp(join(scratch, 'empty-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

beforeEach(() => {
  cloudFormation.reset()
  for (const name of ['STAKEOUT_STACK', 'STAKEOUT_APP', 'STAKEOUT_APP_STACK', 'STAKEOUT_LOCAL_APP'])
    vi.stubEnv(name, '')
  vi.stubEnv('AWS_REGION', 'eu-west-1')
  lines = []
  // The progress lines go to stderr: kept here, to read them.
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk))
    return true
  })
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
})

/** Vitest's `TestProject`, as a global setup sees it: what the setup provides to the workers is kept in `provided`. */
const project = (root: string) => {
  const provided: Record<string, string> = {}
  const provide = (key: string, value: string) => {
    provided[key] = value
  }
  return { config: { root }, provided, provide }
}

describe('stakeout/vitest/global-setup, with STAKEOUT_STACK (a deployed stack)', () => {
  it('fails the run once with a clear error when the named stack does not exist', async () => {
    vi.stubEnv('STAKEOUT_STACK', 'NoSuchStack')
    // ValidationError is what CloudFormation answers for an unknown stack name.
    const missing = Object.assign(new Error('Stack with id NoSuchStack does not exist'), { name: 'ValidationError' })
    cloudFormation.on(ListStackResourcesCommand).rejects(missing)
    cloudFormation.on(GetTemplateCommand).rejects(missing)
    await expect(setup(project(emptyProject))).rejects.toThrow(
      'Stack "NoSuchStack" was not found in eu-west-1: is STAKEOUT_STACK (or AWS_REGION) right?',
    )
  })

  it('reads the named stack from CloudFormation, and brings nothing up even beside a cdk.json', async () => {
    vi.stubEnv('STAKEOUT_STACK', 'BankStack')
    vi.stubEnv('STAKEOUT_APP', tinyApp)
    cloudFormation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'MakeExternalCallsE839E5B8',
          PhysicalResourceId: 'BankStack-MakeExternalCallsE839E5B8-a1b2c3',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    })
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify({ Resources: {} }) })
    const teardown = await setup(project(emptyProject))
    const listed = cloudFormation.commandCalls(ListStackResourcesCommand)
    expect(listed.map((call) => call.args[0].input.StackName)).toEqual(['BankStack'])
    expect(process.env.STAKEOUT_LOCAL_APP).toBe('')
    await teardown()
  })
})

describe('stakeout/vitest/global-setup, with no stack named (the local target)', () => {
  it('brings nothing up, and says so in one line, with no STAKEOUT_APP and no cdk.json at the root', async () => {
    const vitestProject = project(emptyProject)
    const teardown = await setup(vitestProject)
    expect(process.env.STAKEOUT_LOCAL_APP).toBe('')
    // Provided as none, so the workers do not test an app another project of the run brought up.
    expect(vitestProject.provided).toEqual({ stakeoutLocalApp: '' })
    expect(lines).toEqual([
      `[stakeout] no target brought up: none of STAKEOUT_STACK, STAKEOUT_APP or STAKEOUT_LOCAL_APP is set and ${emptyProject} has no cdk.json. Tests that name their resources explicitly still run; a ref such as useFunction('X') needs one of them.\n`,
    ])
    await teardown()
    expect(cloudFormation.calls()).toHaveLength(0)
  })

  it('brings the app of STAKEOUT_APP up, hands it to the workers, and stops it at teardown', async () => {
    vi.stubEnv('STAKEOUT_APP', tinyApp)
    const vitestProject = project(emptyProject)
    const teardown = await setup(vitestProject)
    const manifest = process.env.STAKEOUT_LOCAL_APP
    expect(manifest).toMatch(/\.json$/)
    // The project's workers get it through inject (stakeout/vitest), the only app up through the variable too.
    expect(vitestProject.provided).toEqual({ stakeoutLocalApp: manifest })
    // What a worker does with the variable it inherits.
    const stack = await resolveTarget({ env: { STAKEOUT_LOCAL_APP: manifest } })
    const table = stack.resolve('Notes', { type: 'AWS::DynamoDB::Table' }).physicalId
    const dynamodb = new DynamoDBClient(stack.clientSettings('dynamodb'))
    try {
      expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toContain(table)
      expect(lines[0]).toBe(`[stakeout] bringing the local app up: STAKEOUT_APP=${tinyApp}, in ${emptyProject}\n`)
      expect(lines.at(-1)).toMatch(/^\[stakeout\] Tiny is up in \d+\.\d s\n$/)
      expect(lines.some((line) => /DynamoDB Local/.test(line))).toBe(true)

      await teardown()
      expect(process.env.STAKEOUT_LOCAL_APP).toBeUndefined()
      expect(existsSync(manifest ?? '')).toBe(false)
      await expect(dynamodb.send(new ListTablesCommand({}))).rejects.toThrow()
    } finally {
      dynamodb.destroy()
    }
  })

  it('uses the app STAKEOUT_LOCAL_APP names (npx stakeout local elsewhere), and leaves it running', async () => {
    const running = await startLocal({ app: tinyApp })
    try {
      vi.stubEnv('STAKEOUT_LOCAL_APP', running.manifestPath)
      vi.stubEnv('STAKEOUT_APP', join(scratch, 'never-used'))
      const vitestProject = project(emptyProject)
      const teardown = await setup(vitestProject)
      expect(vitestProject.provided).toEqual({ stakeoutLocalApp: running.manifestPath })
      expect(lines).toEqual([
        `[stakeout] testing the local app already running (STAKEOUT_LOCAL_APP=${running.manifestPath})\n`,
      ])
      await teardown()
      expect(existsSync(running.manifestPath)).toBe(true)
    } finally {
      await running.stop()
    }
  })

  it('refuses a STAKEOUT_LOCAL_APP whose app has stopped, saying what to do', async () => {
    const stale = join(scratch, 'stopped-app.json')
    vi.stubEnv('STAKEOUT_LOCAL_APP', stale)
    await expect(setup(project(emptyProject))).rejects.toThrow(
      `STAKEOUT_LOCAL_APP=${stale} names no running local app (`,
    )
  })

  it('fails the run once, naming the app and showing its own output, when the app cannot be synthesized', async () => {
    const app = 'node -e "console.error(\'no bank here\'); process.exit(3)"'
    await writeFile(join(emptyProject, 'cdk.json'), JSON.stringify({ app }))
    try {
      const failure = await setup(project(emptyProject)).then(
        () => new Error('setup resolved'),
        (error: Error) => error,
      )
      expect(failure.message).toMatch(`Could not bring the local app up (cdk.json: ${app}, in ${emptyProject}):\n`)
      expect(failure.message).toContain('no bank here')
      expect(failure.message).toMatch(/To test a deployed stack instead, set STAKEOUT_STACK=<stack name>\.$/)
      expect(process.env.STAKEOUT_LOCAL_APP).toBe('')
    } finally {
      await rm(join(emptyProject, 'cdk.json'))
    }
  })
})
