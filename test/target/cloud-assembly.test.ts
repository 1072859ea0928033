import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, type CfnElement, NestedStack, Stack, Stage } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import {
  AmbiguousResourceError,
  loadCloudAssembly,
  type StackResource,
  type StackResources,
  UnknownResourceError,
} from '../../src/target/index.js'

/** The ids CDK gave the app's resources, read from the app itself so no test hard-codes a hash. */
interface SynthesizedApp {
  outdir: string
  logicalIds: {
    function: string
    role: string
    ledger: string
    accounts: string
    inner: string
    nestedStack: string
  }
}

/**
 * A real CDK app, synthesized to a temporary folder: MyStack (a function under Api, an unnamed and an explicitly
 * named table, a nested stack with its own function reading the parent's table), OtherStack (another Ledger) and a
 * Stage Prod with a stack Api.
 */
function synthesize(outdir: string, context: Record<string, unknown> = {}): SynthesizedApp {
  const app = new App({ outdir, context })
  const stack = new Stack(app, 'MyStack')
  const ledger = new dynamodb.Table(stack, 'Ledger', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  })
  const accounts = new dynamodb.Table(stack, 'Accounts', {
    tableName: 'accounts-table',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  })
  const api = new Construct(stack, 'Api')
  const makeExternalCalls = new lambda.Function(api, 'MakeExternalCalls', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
    environment: { TABLE_NAME: ledger.tableName, ACCOUNTS_TABLE: accounts.tableName },
  })
  const workers = new NestedStack(stack, 'Workers')
  const inner = new lambda.Function(workers, 'Inner', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
    environment: { TABLE_NAME: ledger.tableName },
  })
  const other = new Stack(app, 'OtherStack')
  new dynamodb.Table(other, 'Ledger', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })
  // A Stage writes its stacks to a nested assembly of their own.
  const prod = new Stack(new Stage(app, 'Prod'), 'Api')
  new dynamodb.Table(prod, 'Sessions', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })
  app.synth()

  const idOf = (scope: Stack, construct: Construct) => scope.getLogicalId(construct.node.defaultChild as CfnElement)
  return {
    outdir,
    logicalIds: {
      function: idOf(stack, makeExternalCalls),
      role: idOf(stack, makeExternalCalls.role as unknown as Construct),
      ledger: idOf(stack, ledger),
      accounts: idOf(stack, accounts),
      inner: idOf(workers, inner),
      nestedStack: stack.getLogicalId(workers.nestedStackResource!),
    },
  }
}

function variablesOf(resource: StackResource): Record<string, unknown> {
  const environment = resource.properties?.Environment as { Variables: Record<string, unknown> }
  return environment.Variables
}

/** Synthesis is CPU-bound and the machine is shared: a minute, not Vitest's default ten seconds. */
const SYNTH_TIMEOUT = 60_000

const folders: string[] = []
async function newFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'stakeout-assembly-'))
  folders.push(folder)
  return folder
}
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})

/** The app as a plain `app.synth()` writes it, shared by the tests that only read it. */
let app: SynthesizedApp
beforeAll(async () => {
  app = synthesize(await newFolder())
}, SYNTH_TIMEOUT)

describe('loadCloudAssembly, on an app synthesized with app.synth() (paths from manifest metadata)', () => {
  let stack: StackResources

  beforeAll(async () => {
    stack = await loadCloudAssembly(app.outdir, { stackName: 'MyStack' })
  })

  it('resolves a construct id to the L2 function, not its ServiceRole', () => {
    const fn = stack.resolve('MakeExternalCalls')
    expect(fn).toMatchObject({
      stackName: 'MyStack',
      type: 'AWS::Lambda::Function',
      logicalId: app.logicalIds.function,
      path: 'MyStack/Api/MakeExternalCalls/Resource',
    })
    expect(fn.physicalId).toBeUndefined()
    expect(fn.properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs22.x' })
  })

  it('resolves a construct path with or without /Resource, and a path suffix on whole segments', () => {
    const fn = stack.resolve('MakeExternalCalls')
    expect(stack.resolve('MyStack/Api/MakeExternalCalls')).toBe(fn)
    expect(stack.resolve('MyStack/Api/MakeExternalCalls/Resource')).toBe(fn)
    expect(stack.resolve('Api/MakeExternalCalls')).toBe(fn)
    expect(stack.resolve('MakeExternalCalls/ServiceRole').logicalId).toBe(app.logicalIds.role)
    expect(() => stack.resolve('pi/MakeExternalCalls')).toThrow(UnknownResourceError)
  })

  it('resolves a logical id', () => {
    expect(stack.resolve(app.logicalIds.ledger)).toMatchObject({
      type: 'AWS::DynamoDB::Table',
      path: 'MyStack/Ledger/Resource',
    })
  })

  it('gives an explicitly named resource its name as physical id, and resolves that name', () => {
    expect(stack.resolve('accounts-table')).toMatchObject({
      logicalId: app.logicalIds.accounts,
      physicalId: 'accounts-table',
    })
    expect(stack.resolve('Ledger').physicalId).toBeUndefined()
  })

  it('resolves a function environment variable { Ref } to the table it names', () => {
    const fn = stack.resolve('MakeExternalCalls')
    const variables = variablesOf(fn)
    expect(variables.TABLE_NAME).toEqual({ Ref: app.logicalIds.ledger })
    expect(stack.resolveReference(variables.TABLE_NAME, fn)?.logicalId).toBe(app.logicalIds.ledger)
    // Unnamed: CloudFormation picks its name at deployment, so nothing on disk knows it.
    expect(stack.resolveValue(variables.TABLE_NAME, fn)).toBeUndefined()
    expect(stack.resolveValue(variables.ACCOUNTS_TABLE, fn)).toBe('accounts-table')
    expect(stack.resolveReference(variables.ACCOUNTS_TABLE, fn)?.path).toBe('MyStack/Accounts/Resource')
  })

  it('reads the nested stack: its resources by id and path, its parameters back to the parent table', () => {
    const inner = stack.resolve('Inner')
    expect(inner).toMatchObject({
      stackName: 'MyStack/Workers',
      logicalId: app.logicalIds.inner,
      type: 'AWS::Lambda::Function',
      path: 'MyStack/Workers/Inner/Resource',
    })
    expect(stack.resolve('MyStack/Workers/Inner')).toBe(inner)
    expect(stack.resolve('Workers')).toMatchObject({
      type: 'AWS::CloudFormation::Stack',
      logicalId: app.logicalIds.nestedStack,
    })
    const variables = variablesOf(inner)
    expect(variables.TABLE_NAME).toMatchObject({ Ref: expect.stringMatching(/^referenceto/) })
    expect(stack.resolveReference(variables.TABLE_NAME, inner)).toBe(stack.resolve('MyStack/Ledger'))
    expect(stack.stacks.map((each) => each.stackName)).toEqual(['MyStack', 'MyStack/Workers'])
  })

  it('narrows by type before judging ambiguity', () => {
    expect(() => stack.resolve('ServiceRole')).toThrow(AmbiguousResourceError)
    const role = stack.resolve('MakeExternalCalls', { type: 'AWS::IAM::Role' })
    expect(role.logicalId).toBe(app.logicalIds.role)
    expect(stack.resolve('Inner', { type: ['AWS::Lambda::Function', 'AWS::IAM::Role'] }).type).toBe(
      'AWS::Lambda::Function',
    )
  })

  it('lists the candidates of an ambiguous ref, and a longer path picks one', () => {
    const error = catchError(() => stack.resolve('ServiceRole'))
    expect(error).toBeInstanceOf(AmbiguousResourceError)
    expect(error).toBeInstanceOf(StakeoutError)
    const { candidates, message } = error as AmbiguousResourceError
    expect(candidates.map((each) => each.path)).toEqual([
      'MyStack/Api/MakeExternalCalls/ServiceRole/Resource',
      'MyStack/Workers/Inner/ServiceRole/Resource',
    ])
    expect(message).toContain('"ServiceRole" matches 2 resources')
    expect(message).toContain('MyStack/Api/MakeExternalCalls/ServiceRole')
    expect(message).toContain('MyStack/Workers/Inner/ServiceRole')
    expect(stack.resolve('Inner/ServiceRole').stackName).toBe('MyStack/Workers')
  })

  it('lists the closest candidates of an unknown ref, closest first', () => {
    const error = catchError(() => stack.resolve('MakeExternalCals'))
    expect(error).toBeInstanceOf(UnknownResourceError)
    const { candidates, message } = error as UnknownResourceError
    expect(candidates[0]?.logicalId).toBe(app.logicalIds.function)
    expect(message.split('\n')[0]).toBe(
      'No resource matches "MakeExternalCals" in stack MyStack (7 resources, with 1 nested stack).',
    )
    expect(message).toMatch(/Closest candidates:\n {2}MyStack\/Api\/MakeExternalCalls +AWS::Lambda::Function/)
  })
})

describe('loadCloudAssembly, on an assembly written as the CDK CLI writes it (path and asset metadata in templates)', () => {
  it(
    'reads paths from aws:cdk:path and the nested template from aws:asset:path',
    async () => {
      const cliApp = synthesize(await newFolder(), {
        'aws:cdk:enable-path-metadata': true,
        'aws:cdk:enable-asset-metadata': true,
      })
      const stack = await loadCloudAssembly(cliApp.outdir, { stackName: 'MyStack' })
      const fn = stack.resolve('Api/MakeExternalCalls')
      expect(fn.metadata?.['aws:cdk:path']).toBe('MyStack/Api/MakeExternalCalls/Resource')
      expect(stack.resolve('Workers').metadata?.['aws:asset:path']).toMatch(/\.nested\.template\.json$/)
      expect(stack.resolve('Inner')).toMatchObject({ logicalId: cliApp.logicalIds.inner, stackName: 'MyStack/Workers' })
    },
    SYNTH_TIMEOUT,
  )
})

describe('loadCloudAssembly, choosing stacks', () => {
  let outdir: string
  beforeAll(() => {
    outdir = app.outdir
  })

  it('reads every stack by default, so a ref shared by two stacks is ambiguous until a path names one', async () => {
    const all = await loadCloudAssembly(outdir)
    expect(all.stacks.filter((each) => each.parent === undefined).map((each) => each.stackName)).toEqual([
      'MyStack',
      'OtherStack',
      'Prod-Api',
    ])
    const error = catchError(() => all.resolve('Ledger', { type: 'AWS::DynamoDB::Table' })) as AmbiguousResourceError
    expect(error.candidates.map((each) => each.stackName)).toEqual(['MyStack', 'OtherStack'])
    expect(all.resolve('OtherStack/Ledger').stackName).toBe('OtherStack')
  })

  it('reads the stacks of a Stage, picked by display name or stack name', async () => {
    for (const stackName of ['Prod/Api', 'Prod-Api']) {
      const prod = await loadCloudAssembly(outdir, { stackName })
      expect(prod.resolve('Sessions')).toMatchObject({ stackName: 'Prod-Api', path: 'Prod/Api/Sessions/Resource' })
      expect(prod.resources).toHaveLength(1)
    }
  })

  it('fails on a stack that is not there, naming the stacks that are', async () => {
    await expect(loadCloudAssembly(outdir, { stackName: 'Nope' })).rejects.toThrow(
      /no stack named "Nope" in .*; it holds MyStack, OtherStack, Prod\/Api/,
    )
  })

  it('fails on a folder that is no cloud assembly, naming the argument', async () => {
    const empty = await newFolder()
    const error = await loadCloudAssembly(empty).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as ArgumentError).message).toMatch(/^loadCloudAssembly: dir must be a synthesized cloud assembly/)
    await expect(loadCloudAssembly('')).rejects.toThrow(/loadCloudAssembly: dir must be/)
  })

  it('rejects a ref that is not a non-empty string, naming it', async () => {
    const stack = await loadCloudAssembly(outdir, { stackName: 'MyStack' })
    expect(() => stack.resolve('')).toThrow("resolve: ref must be a non-empty string, received string ''")
    expect(() => stack.resolve(42 as unknown as string)).toThrow(
      'resolve: ref must be a non-empty string, received number 42',
    )
    expect(() => stack.resolve('Ledger', { type: [] })).toThrow(/resolve: options.type must be a CloudFormation type/)
  })

  it("points a refused ref and an unknown one at the caller's line", async () => {
    const stack = await loadCloudAssembly(outdir, { stackName: 'MyStack' })
    for (const ref of ['', 'NoSuchResource']) {
      const error = (() => {
        try {
          stack.resolve(ref)
        } catch (caught) {
          return caught as Error
        }
      })()
      expect(error).toBeInstanceOf(StakeoutError)
      expect(error?.stack?.split('\n').find((line) => line.startsWith('    at '))).toContain('cloud-assembly.test.ts')
    }
  })
})

function catchError(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}
