import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloudFormationClient, GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import {
  LOCAL_APP_ENV,
  LOCAL_CREDENTIALS,
  type LocalConnection,
  readLocalManifest,
  resolveTarget,
  type StackResource,
  StackResources,
  writeLocalManifest,
} from '../../src/target/index.js'

const REGION = 'eu-west-3'
const ACCOUNT = '000000000000'
const CONNECTION: LocalConnection = {
  region: REGION,
  account: ACCOUNT,
  endpoints: { dynamodb: 'http://127.0.0.1:41001', lambda: 'http://127.0.0.1:41002' },
  credentials: LOCAL_CREDENTIALS,
}
const ORDERS: StackResource = {
  stackName: 'ShopStack',
  logicalId: 'Orders1A2B3C4D',
  type: 'AWS::DynamoDB::Table',
  physicalId: 'ShopStack-Orders1A2B3C4D-QWERTYUIOP12',
  path: 'ShopStack/Orders/Resource',
  properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
}
const CHECKOUT: StackResource = {
  stackName: 'ShopStack',
  logicalId: 'Checkout5E6F7A8B',
  type: 'AWS::Lambda::Function',
  physicalId: 'ShopStack-Checkout5E6F7A8B-ASDFGHJKLZXC',
  path: 'ShopStack/Checkout/Resource',
  properties: { Environment: { Variables: { TABLE: { Ref: 'Orders1A2B3C4D' } } } },
}

function localStack(): StackResources {
  return new StackResources([ORDERS, CHECKOUT], {
    source: 'local',
    stacks: [{ stackName: 'ShopStack', region: REGION, account: ACCOUNT, deployedName: true }],
    local: CONNECTION,
  })
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stakeout-manifest-test-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('StackResources.clientSettings', () => {
  it('points a local target at the local endpoint with dummy credentials and the local region', () => {
    const stack = localStack()
    expect(stack.clientSettings('dynamodb')).toEqual({
      region: REGION,
      endpoint: 'http://127.0.0.1:41001',
      credentials: { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' },
    })
    expect(stack.clientSettings('lambda').endpoint).toBe('http://127.0.0.1:41002')
  })

  it('refuses a service the local target does not serve, naming the ones it does', () => {
    expect(() => localStack().clientSettings('sqs')).toThrow(
      new StakeoutError(
        'The local target does not serve sqs: it serves dynamodb, lambda. Test the stack deployed (STAKEOUT_STACK=<stack name>) to reach it.',
      ),
    )
  })

  it('gives a deployed stack its region only, so credentials and endpoints come from the SDK chain', () => {
    const deployed = new StackResources([ORDERS], {
      source: 'cloudformation',
      stacks: [{ stackName: 'ShopStack', region: REGION }],
    })
    expect(deployed.clientSettings('dynamodb')).toEqual({ region: REGION })
    const unknownRegion = new StackResources([ORDERS], {
      source: 'cloud-assembly',
      stacks: [{ stackName: 'ShopStack' }],
    })
    expect(unknownRegion.clientSettings('lambda')).toEqual({})
  })

  it('names the argument when the service is not one it knows', () => {
    expect(() => localStack().clientSettings('dynamo' as never)).toThrow(
      new ArgumentError(
        'clientSettings',
        'service',
        "one of 'dynamodb', 'lambda', 'events', 'sqs', 'sfn', 'logs', 'cloudformation'",
        'dynamo',
      ),
    )
  })

  it('holds a connection exactly when the source is local', () => {
    expect(() => new StackResources([], { source: 'local', stacks: [] })).toThrow(
      /options.local must be given exactly when source is local/,
    )
    expect(() => new StackResources([], { source: 'cloudformation', stacks: [], local: CONNECTION })).toThrow(
      /options.local must be given exactly when source is local/,
    )
  })
})

describe('the local manifest', () => {
  it('round-trips a local app: resources, local names, refs and client settings', async () => {
    const file = join(dir, 'round-trip.json')
    await writeLocalManifest(file, localStack())
    const read = await readLocalManifest(file)
    expect(read.source).toBe('local')
    expect(read.stackName).toBe('ShopStack')
    expect(read.region).toBe(REGION)
    expect(read.resolve('Checkout').physicalId).toBe(CHECKOUT.physicalId)
    const checkout = read.resolve('Checkout')
    expect(read.resolveValue({ Ref: 'Orders1A2B3C4D' }, checkout)).toBe(ORDERS.physicalId)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an Fn::Sub template, not a JavaScript one
    expect(read.resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}' })).toBe(
      `arn:aws:x:${REGION}:${ACCOUNT}`,
    )
    expect(read.clientSettings('dynamodb')).toEqual(localStack().clientSettings('dynamodb'))
  })

  it('refuses the resources of a deployed stack', async () => {
    const deployed = new StackResources([ORDERS], { source: 'cloudformation', stacks: [{ stackName: 'ShopStack' }] })
    await expect(writeLocalManifest(join(dir, 'deployed.json'), deployed)).rejects.toThrow(
      /writeLocalManifest: resources must be the StackResources of a local app/,
    )
  })

  it('says the app stopped when the manifest is gone', async () => {
    const file = join(dir, 'stopped.json')
    await expect(readLocalManifest(file)).rejects.toThrow(
      `STAKEOUT_LOCAL_APP names ${file}, which does not exist: the local app that wrote it has stopped`,
    )
  })

  it('says what is wrong with a file that is not a manifest', async () => {
    const notJson = join(dir, 'not-json.json')
    await writeFile(notJson, 'hello')
    await expect(readLocalManifest(notJson)).rejects.toThrow(`STAKEOUT_LOCAL_APP names ${notJson}, which is not JSON`)
    const otherVersion = join(dir, 'other-version.json')
    await writeFile(otherVersion, JSON.stringify({ stakeoutLocalApp: 2 }))
    await expect(readLocalManifest(otherVersion)).rejects.toThrow(
      'which is not the manifest of a local app: its version is 2, this stakeout reads version 1',
    )
    const noResources = join(dir, 'no-resources.json')
    await writeFile(
      noResources,
      JSON.stringify({ stakeoutLocalApp: 1, connection: CONNECTION, stacks: [], resources: [{}] }),
    )
    await expect(readLocalManifest(noResources)).rejects.toThrow(
      'resources must be an array of { stackName, logicalId, type }',
    )
  })
})

// CloudFormation has no local implementation: the one deployed-stack case below mocks it (aws-sdk-client-mock),
// with the shapes of ListStackResources and GetTemplate from the AWS API reference.
describe('resolveTarget with a local app', () => {
  it('reads the manifest STAKEOUT_LOCAL_APP names, once per process', async () => {
    const file = join(dir, 'resolve.json')
    await writeLocalManifest(file, localStack())
    const env = { [LOCAL_APP_ENV]: file }
    const first = await resolveTarget({ env })
    expect(first.source).toBe('local')
    expect(first.resolve('Orders').physicalId).toBe(ORDERS.physicalId)
    await rm(file)
    expect(await resolveTarget({ env })).toBe(first)
  })

  it('prefers a named stack over the local app', async () => {
    const file = join(dir, 'unused.json')
    await writeLocalManifest(file, localStack())
    const cloudFormation = mockClient(CloudFormationClient)
    cloudFormation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] })
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' })
    const env = { STAKEOUT_STACK: 'DeployedShop', STAKEOUT_REGION: REGION, [LOCAL_APP_ENV]: file }
    const target = await resolveTarget({ env, client: new CloudFormationClient({ region: REGION }) })
    expect(target.source).toBe('cloudformation')
    expect(target.stackName).toBe('DeployedShop')
    cloudFormation.restore()
  })

  it('does not keep a failed read: a manifest written later is found', async () => {
    const file = join(dir, 'later.json')
    const env = { [LOCAL_APP_ENV]: file }
    await expect(resolveTarget({ env })).rejects.toThrow(/which does not exist/)
    await writeLocalManifest(file, localStack())
    expect((await resolveTarget({ env })).resolve('Checkout').physicalId).toBe(CHECKOUT.physicalId)
  })
})
