/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates, not JavaScript ones */
import { describe, expect, it } from 'vitest'
import { StakeoutError } from '../../src/errors.js'
import { LOCAL_CREDENTIALS, type StackResource, StackResources } from '../../src/target/index.js'

const table: StackResource = {
  stackName: 'Shop',
  logicalId: 'Orders1A2B3C4D',
  type: 'AWS::DynamoDB::Table',
  physicalId: 'Shop-Orders1A2B3C4D-QWERTYUIOP12',
  path: 'Shop/Orders/Resource',
  attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Shop-Orders1A2B3C4D-QWERTYUIOP12' },
}
const queue: StackResource = {
  stackName: 'Shop',
  logicalId: 'Jobs9Z8Y',
  type: 'AWS::SQS::Queue',
  path: 'Shop/Jobs/Resource',
}
const stack = new StackResources([table, queue], {
  source: 'local',
  stacks: [{ stackName: 'Shop', region: 'eu-west-1', account: '000000000000', deployedName: true }],
  local: { region: 'eu-west-1', account: '000000000000', endpoints: {}, credentials: LOCAL_CREDENTIALS },
})

describe('resolveValue and requireValue: template expressions on a target', () => {
  it('evaluates Ref, Fn::GetAtt, Fn::Join, both Fn::Sub forms, Fn::Select, Fn::Split and pseudo parameters', () => {
    const arn = table.attributes?.Arn
    expect(stack.resolveValue({ 'Fn::GetAtt': ['Orders1A2B3C4D', 'Arn'] })).toBe(arn)
    expect(stack.resolveValue({ 'Fn::GetAtt': 'Orders1A2B3C4D.Arn' })).toBe(arn)
    expect(
      stack.resolveValue({ 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Orders1A2B3C4D', 'Arn'] }] }] }),
    ).toBe('table/Shop-Orders1A2B3C4D-QWERTYUIOP12')
    expect(stack.resolveValue({ 'Fn::Join': ['/', [{ Ref: 'AWS::StackName' }, { Ref: 'Orders1A2B3C4D' }, 7]] })).toBe(
      'Shop/Shop-Orders1A2B3C4D-QWERTYUIOP12/7',
    )
    expect(
      stack.resolveValue({ 'Fn::Sub': '${Orders1A2B3C4D.Arn}|${AWS::Partition}|${AWS::URLSuffix}|${!Literal}' }),
    ).toBe(`${arn}|aws|amazonaws.com|\${Literal}`)
    expect(stack.resolveValue({ 'Fn::Sub': ['${Name}@${AWS::Region}', { Name: { Ref: 'Orders1A2B3C4D' } }] })).toBe(
      'Shop-Orders1A2B3C4D-QWERTYUIOP12@eu-west-1',
    )
  })

  it('says why a value cannot be known, naming the resource, the intrinsic and the attribute', () => {
    const fail = (value: unknown) => {
      try {
        stack.requireValue(value, undefined, 'variable X')
      } catch (error) {
        expect(error).toBeInstanceOf(StakeoutError)
        return (error as Error).message
      }
      throw new Error('expected requireValue to throw')
    }
    expect(fail({ Ref: 'Jobs9Z8Y' })).toBe(
      'Cannot resolve variable X: { Ref: Jobs9Z8Y } names Shop/Jobs (AWS::SQS::Queue), which has no physical id on this target',
    )
    expect(fail({ 'Fn::GetAtt': ['Orders1A2B3C4D', 'StreamArn'] })).toBe(
      'Cannot resolve variable X: { Fn::GetAtt: [Orders1A2B3C4D, StreamArn] }: Shop/Orders (AWS::DynamoDB::Table) has no StreamArn here (this target knows its Arn)',
    )
    expect(fail({ 'Fn::If': ['IsProd', 'a', 'b'] })).toBe(
      'Cannot resolve variable X: { Fn::If: [IsProd, a, b] }: Fn::If is not evaluated here',
    )
    expect(fail({ Ref: 'Missing' })).toBe(
      'Cannot resolve variable X: { Ref: Missing } names no resource or parameter of Shop',
    )
    expect(fail({ 'Fn::Select': [3, ['a']] })).toBe(
      'Cannot resolve variable X: Fn::Select index 3 is outside the list ["a"]',
    )
    expect(fail({ 'Fn::Split': [',', 'a,b'] })).toBe(
      'Cannot resolve variable X: it is a list (["a","b"]), not a string',
    )
    expect(stack.resolveValue({ Ref: 'Jobs9Z8Y' })).toBeUndefined()
  })
})
