// CloudFormation has no local implementation: it is replaced by aws-sdk-client-mock, answering as the AWS docs show.
import { CloudFormationClient, GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation'
import { mockClient } from 'aws-sdk-client-mock'
import setup from 'stakeout/vitest/global-setup'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const cloudFormation = mockClient(CloudFormationClient)

beforeEach(() => {
  cloudFormation.reset()
  vi.stubEnv('AWS_REGION', 'eu-west-1')
})
afterEach(() => {
  vi.unstubAllEnvs()
})

describe('stakeout/vitest/global-setup', () => {
  it('does nothing when no stack is named', async () => {
    vi.stubEnv('STAKEOUT_STACK', '')
    await expect(setup()).resolves.toBeUndefined()
    expect(cloudFormation.calls()).toHaveLength(0)
  })

  it('fails the run once with a clear error when the named stack does not exist', async () => {
    vi.stubEnv('STAKEOUT_STACK', 'NoSuchStack')
    // ValidationError is what CloudFormation answers for an unknown stack name.
    const missing = Object.assign(new Error('Stack with id NoSuchStack does not exist'), { name: 'ValidationError' })
    cloudFormation.on(ListStackResourcesCommand).rejects(missing)
    cloudFormation.on(GetTemplateCommand).rejects(missing)
    await expect(setup()).rejects.toThrow(
      'Stack "NoSuchStack" was not found in eu-west-1: is STAKEOUT_STACK (or AWS_REGION) right?',
    )
  })

  it('reads the named stack from CloudFormation', async () => {
    vi.stubEnv('STAKEOUT_STACK', 'BankStack')
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
    await expect(setup()).resolves.toBeUndefined()
    const listed = cloudFormation.commandCalls(ListStackResourcesCommand)
    expect(listed.map((call) => call.args[0].input.StackName)).toEqual(['BankStack'])
  })
})
