import { describe, expect, it } from 'vitest'
import {
  type AslDefinition,
  checkDefinition,
  readDefinition,
  taskIntegration,
} from '../../../../src/local/services/stepfunctions/definition.js'
import { isLogged, LOGGED_PAYLOAD_LIMIT, logMessage } from '../../../../src/local/services/stepfunctions/history.js'
import { StackResources } from '../../../../src/target/index.js'

const serveAll = { type: 'STANDARD' as const, serves: () => true }

function machine(States: Record<string, unknown>, extra: Record<string, unknown> = {}): AslDefinition {
  return { StartAt: Object.keys(States)[0] ?? 'A', States, ...extra } as AslDefinition
}

describe('checkDefinition', () => {
  it('runs what the interpreter runs: Pass, Choice, Map, Parallel, Wait and the integrations served', () => {
    const definition = machine({
      A: { Type: 'Pass', Next: 'B' },
      B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, Next: 'C' },
      C: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f', Next: 'D' },
      D: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:updateItem', Next: 'E' },
      E: { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', Next: 'F' },
      F: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Next: 'G' },
      G: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', Next: 'H' },
      H: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Wait', Seconds: 1, End: true } } },
        End: true,
      },
    })
    expect(checkDefinition(definition, serveAll)).toEqual([])
  })

  it('refuses variables, JSONata states, a Distributed Map and what is inside Map and Parallel, naming the states', () => {
    const definition = machine({
      Start: { Type: 'Pass', Assign: { total: 1 }, Next: 'Fan' },
      Fan: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Inner',
          States: { Inner: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 %}', End: true } },
        },
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Left', States: { Left: { Type: 'Pass', Assign: { x: 1 }, End: true } } }],
        End: true,
      },
    })
    expect(checkDefinition(definition, serveAll)).toEqual([
      { states: ['Start', 'Left'], reason: 'variables (Assign) are not run by the local interpreter' },
      {
        states: ['Fan'],
        reason: 'a Distributed Map (ProcessorConfig.Mode DISTRIBUTED) is not run by the local interpreter',
      },
      { states: ['Fan'], reason: 'ItemReader (a Distributed Map field) is not run by the local interpreter' },
      {
        states: ['Inner'],
        reason: 'JSONata (QueryLanguage: JSONata) is not run by the local interpreter, which runs JSONPath',
      },
    ])
  })

  it('refuses task tokens, activities, the AWS SDK integrations, and an integration whose service this app does not serve', () => {
    const definition = machine({
      Wait: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', Next: 'Work' },
      Work: { Type: 'Task', Resource: 'arn:aws:states:us-east-1:000000000000:activity:work', Next: 'Sdk' },
      Sdk: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:getObject', Next: 'Sns' },
      Sns: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Next: 'Put' },
      Put: { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', Next: 'Nested' },
      Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', End: true },
    })
    const refusals = checkDefinition(definition, { type: 'EXPRESS', serves: (service) => service === 'sqs' })
    expect(refusals.map((refusal) => [refusal.states.join(), refusal.reason])).toEqual([
      [
        'Wait',
        'it waits for a task token (arn:aws:states:::sqs:sendMessage.waitForTaskToken), which the local target does not implement',
      ],
      [
        'Work',
        'it calls an activity (arn:aws:states:us-east-1:000000000000:activity:work), which the local target has no workers for',
      ],
      [
        'Sdk',
        'it uses the AWS SDK integration arn:aws:states:::aws-sdk:s3:getObject, which the local target does not implement',
      ],
      [
        'Sns',
        expect.stringMatching(/^it calls arn:aws:states:::sns:publish, which the local target does not implement/),
      ],
      ['Put', 'it calls events:putEvents, and this local app serves no EventBridge endpoint'],
      ['Nested', 'an Express machine cannot run a .sync integration (Step Functions refuses it)'],
    ])
  })

  it('names the task integrations as Step Functions spells them', () => {
    expect(taskIntegration('arn:aws:states:::dynamodb:getItem')).toEqual({ kind: 'dynamodb', action: 'getItem' })
    expect(taskIntegration('arn:aws:lambda:us-east-1:000000000000:function:f:live')).toEqual({
      kind: 'lambda-arn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:live',
    })
    expect(taskIntegration('arn:aws:states:::dynamodb:query')).toHaveProperty('refused')
  })
})

describe('readDefinition', () => {
  const resources = new StackResources(
    [
      { stackName: 'S', logicalId: 'Table', type: 'AWS::DynamoDB::Table', physicalId: 'S-Table-1' },
      { stackName: 'S', logicalId: 'Machine', type: 'AWS::StepFunctions::StateMachine' },
    ],
    { source: 'cloud-assembly', stacks: [{ stackName: 'S' }] },
  )
  const of = (properties: Record<string, unknown>) =>
    readDefinition(
      { stackName: 'S', logicalId: 'Machine', type: 'AWS::StepFunctions::StateMachine', properties },
      resources,
    )

  it('resolves DefinitionString intrinsics and applies DefinitionSubstitutions as text', () => {
    const source = of({
      DefinitionString: {
        'Fn::Join': [
          '',
          [
            '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"',
            { Ref: 'Table' },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not a JavaScript one
            '","Comment":"${note}","End":true}}}',
          ],
        ],
      },
      DefinitionSubstitutions: { note: 'monthly' },
    })
    expect(source).toEqual({
      definition: {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Result: 'S-Table-1', Comment: 'monthly', End: true } },
      },
    })
  })

  it('reads Definition objects, escaping what is substituted into their strings', () => {
    const source = of({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not a JavaScript one
      Definition: { StartAt: 'A', States: { A: { Type: 'Pass', Result: '${table}', End: true } } },
      DefinitionSubstitutions: { table: { Ref: 'Table' } },
    })
    expect(source).toEqual({
      definition: { StartAt: 'A', States: { A: { Type: 'Pass', Result: 'S-Table-1', End: true } } },
    })
  })

  it('refuses DefinitionS3Location, a definition it cannot resolve and one that is not JSON', () => {
    expect(of({ DefinitionS3Location: { Bucket: 'b', Key: 'k' } })).toEqual({
      refused: 'its definition is in S3 (DefinitionS3Location), which the local target does not read',
    })
    expect(of({ DefinitionString: { 'Fn::ImportValue': 'x' } })).toEqual({
      refused: 'its DefinitionString holds a value the local target cannot resolve',
    })
    expect(of({ DefinitionString: '{not json' })).toHaveProperty(
      'refused',
      expect.stringMatching(/^its definition is not JSON/),
    )
  })
})

describe('the logged events', () => {
  const event = {
    id: 1,
    previousEventId: 0,
    type: 'ExecutionStarted',
    timestamp: 1764590400123,
    details: { input: { a: 1 }, roleArn: 'arn:aws:iam::000000000000:role/r' },
  }

  it('are JSON whose values are strings, with the payloads as JSON text', () => {
    expect(JSON.parse(logMessage(event, 'arn:x', true))).toEqual({
      id: '1',
      type: 'ExecutionStarted',
      details: { input: '{"a":1}', inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::000000000000:role/r' },
      previous_event_id: '0',
      event_timestamp: '1764590400123',
      execution_arn: 'arn:x',
      redrive_count: '0',
    })
  })

  it('leave the payloads out without execution data, and truncate those past 248 KB', () => {
    expect(JSON.parse(logMessage(event, 'arn:x', false)).details).toEqual({
      roleArn: 'arn:aws:iam::000000000000:role/r',
    })
    const big = { ...event, details: { input: { text: 'é'.repeat(200_000) } } }
    const details = JSON.parse(logMessage(big, 'arn:x', true)).details
    expect(details.inputDetails).toEqual({ truncated: true })
    expect(Buffer.byteLength(details.input)).toBeLessThanOrEqual(LOGGED_PAYLOAD_LIMIT)
    expect(details.input.startsWith('{"text":"éé')).toBe(true)
    expect(() => JSON.parse(details.input)).toThrow()
  })

  it('follow the log levels of the developer guide', () => {
    expect(['ALL', 'ERROR', 'FATAL', 'OFF'].map((level) => isLogged(level as 'ALL', 'ExecutionFailed'))).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(['ALL', 'ERROR', 'FATAL', 'OFF'].map((level) => isLogged(level as 'ALL', 'TaskFailed'))).toEqual([
      true,
      true,
      false,
      false,
    ])
    expect(['ALL', 'ERROR', 'FATAL', 'OFF'].map((level) => isLogged(level as 'ALL', 'ExecutionSucceeded'))).toEqual([
      true,
      false,
      false,
      false,
    ])
  })
})
