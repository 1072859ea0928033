import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../../src/errors.js'
import { compileFilters, matchesAnyFilter } from '../../../../src/local/services/eventbridge/pattern.js'

// The DynamoDB stream record of the Lambda developer guide, "invocation-eventfiltering", DynamoDB section.
const record = {
  eventID: 'c9fbe7d0261a5163fcb6940593e41797',
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-2',
  dynamodb: {
    ApproximateCreationDateTime: 1664559083.0,
    Keys: { SK: { S: 'PRODUCT#CHOCOLATE#DARK#1000' }, PK: { S: 'COMPANY#1000' } },
    NewImage: {
      quantity: { N: '50' },
      company_id: { S: '1000' },
      fabric: { S: 'Florida Chocolates' },
      price: { N: '15' },
      stores: { N: '5' },
      product_id: { S: '1000' },
      SK: { S: 'PRODUCT#CHOCOLATE#DARK#1000' },
      PK: { S: 'COMPANY#1000' },
      state: { S: 'FL' },
      type: { S: '' },
    },
    SequenceNumber: '700000000000888747038',
    SizeBytes: 174,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
  eventSourceARN: 'arn:aws:dynamodb:us-east-2:111122223333:table/chocolate-table/stream/2022-09-30T17:05:53.209',
}

const filter = (pattern: unknown) => ({ Pattern: JSON.stringify(pattern) })
const image = (fields: unknown) => ({ dynamodb: { NewImage: fields } })

// The comparison operators of that page, applied to the record above (wildcard: the EventBridge grammar Lambda filters share).
const examples: readonly [string, unknown, boolean][] = [
  ['null', image({ product_name: { S: [null] } }), false],
  ['empty', image({ type: { S: [''] } }), true],
  ['equals', image({ state: { S: ['FL'] } }), true],
  ['equals, another value', image({ state: { S: ['NY'] } }), false],
  ['equals-ignore-case', image({ fabric: { S: [{ 'equals-ignore-case': 'florida chocolates' }] } }), true],
  ['and', { ...image({ state: { S: ['FL'] } }), eventName: ['INSERT'] }, true],
  ['and, one side fails', { ...image({ state: { S: ['FL'] } }), eventName: ['MODIFY'] }, false],
  ['or', image({ stores: { N: ['5', '10'] } }), true],
  ['not', image({ state: { S: [{ 'anything-but': ['NY'] }] } }), true],
  ['not, the excluded value', image({ state: { S: [{ 'anything-but': ['FL'] }] } }), false],
  ['exists', image({ company_id: { S: [{ exists: true }] } }), true],
  ['does not exist', image({ company_id: { S: [{ exists: false }] } }), false],
  ['begins with', { dynamodb: { Keys: { PK: { S: [{ prefix: 'COMPANY' }] } } } }, true],
  ['ends with', image({ fabric: { S: [{ suffix: 'Chocolates' }] } }), true],
  ['wildcard', { dynamodb: { Keys: { SK: { S: [{ wildcard: 'PRODUCT#*#1000' }] } } } }, true],
  // DynamoDB numbers are strings in the record ({ N: "15" }): numeric, which matches JSON numbers only, never matches them.
  ['numeric on an N attribute', image({ price: { N: [{ numeric: ['<', 20] }] } }), false],
]

describe("matchesAnyFilter: the Lambda documentation's DynamoDB filtering examples", () => {
  it.each(examples)('%s', (_name, pattern, expected) => {
    expect(matchesAnyFilter([filter(pattern)], record)).toBe(expected)
  })

  it('is OR across the filters', () => {
    const miss = filter({ eventName: ['REMOVE'] })
    const hit = filter(image({ state: { S: ['FL'] } }))
    expect(matchesAnyFilter([miss], record)).toBe(false)
    expect(matchesAnyFilter([miss, hit], record)).toBe(true)
    expect(matchesAnyFilter(compileFilters([miss, hit]), record)).toBe(true)
  })

  it('refuses filters that are not an array', () => {
    expect(() => matchesAnyFilter({ Pattern: '{}' } as never, record)).toThrow(
      /matchesAnyFilter: filters must be an array/,
    )
    expect(() => matchesAnyFilter([null] as never, record)).toThrow(/filters\[0\]\.Pattern must be a JSON string/)
  })

  it('passes every record when there are no filters, as a mapping without FilterCriteria does', () => {
    expect(matchesAnyFilter([], record)).toBe(true)
  })

  it('refuses more than 5 filters, a Pattern that is not a string, and names the bad filter', () => {
    const six = Array.from({ length: 6 }, () => filter({ eventName: ['INSERT'] }))
    expect(() => compileFilters(six)).toThrow(/compileFilters: filters must be at most 5 filters/)
    expect(() => compileFilters([{ Pattern: { eventName: ['INSERT'] } } as never])).toThrow(
      /filters\[0\]\.Pattern must be a JSON string/,
    )
    expect(() => compileFilters([filter({ eventName: ['INSERT'] }), filter({ eventName: 'INSERT' })])).toThrow(
      /compilePattern: filters\[1\]\.Pattern\.eventName must be an array/,
    )
    expect(() => compileFilters([filter({ eventName: ['INSERT'] })])).not.toThrow(ArgumentError)
  })

  it("takes Lambda's 4,096-character Pattern limit, not EventBridge's 2,048", () => {
    const long = JSON.stringify({ eventName: ['x'.repeat(3000)] })
    expect(matchesAnyFilter([{ Pattern: long }], record)).toBe(false)
    expect(() => compileFilters([{ Pattern: JSON.stringify({ eventName: ['x'.repeat(4100)] }) }])).toThrow(
      /at most 4096 characters/,
    )
  })
})
