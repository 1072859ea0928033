import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../../src/errors.js'
import { compilePattern, matches } from '../../../../src/local/services/eventbridge/pattern.js'
import { eventRulerCorrectnessCases } from './event-ruler-cases.js'
import {
  eventRulerAcceptedPatterns,
  eventRulerRefusedPatterns,
  eventRulerUndocumentedPatterns,
} from './event-ruler-compiler-cases.js'
import { eventRulerRulerTestCases } from './event-ruler-ruler-test-cases.js'

const match = (pattern: unknown, event: unknown) => matches(compilePattern(pattern), event)

// The EC2 event of the EventBridge user guide, "eb-event-patterns" and "eb-create-pattern-operators".
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
}

/**
 * Examples of the EventBridge user guide ("eb-create-pattern-operators", "eb-event-patterns",
 * "eb-event-patterns-content-based-filtering"): each operator with an event it matches and one it does not.
 */
const documentationExamples: readonly {
  operator: string
  pattern: unknown
  matching: unknown
  notMatching: unknown
}[] = [
  {
    operator: 'exact value',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
    matching: ec2Event,
    notMatching: { ...ec2Event, source: 'aws.s3' },
  },
  {
    operator: 'exact value, a list (OR within a field)',
    pattern: { detail: { state: ['running', 'terminated'] } },
    matching: ec2Event,
    notMatching: { ...ec2Event, detail: { state: 'pending' } },
  },
  {
    operator: 'null value',
    pattern: { detail: { responseElements: [null] } },
    matching: { detail: { responseElements: null } },
    notMatching: { detail: {} }, // null does not match a missing field
  },
  {
    operator: 'empty string',
    pattern: { detail: { eventVersion: [''] } },
    matching: { detail: { eventVersion: '' } },
    notMatching: { detail: { eventVersion: null } },
  },
  {
    operator: 'boolean',
    pattern: { detail: { enabled: [true] } },
    matching: { detail: { enabled: true } },
    notMatching: { detail: { enabled: 'true' } },
  },
  {
    operator: 'number (compared numerically)',
    pattern: { detail: { count: [300] } },
    matching: { detail: { count: 3.0e2 } },
    notMatching: { detail: { count: '300' } },
  },
  {
    operator: 'prefix',
    pattern: { time: [{ prefix: '2017-12-22' }] },
    matching: ec2Event,
    notMatching: { ...ec2Event, time: '2018-12-22T18:43:48Z' },
  },
  {
    operator: 'prefix with equals-ignore-case',
    pattern: { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] },
    matching: ec2Event,
    notMatching: { ...ec2Event, source: 'custom.aws' },
  },
  {
    operator: 'suffix',
    pattern: { detail: { FileName: [{ suffix: '.png' }] } },
    matching: { detail: { FileName: 'image.png' } },
    notMatching: { detail: { FileName: 'image.PNG' } },
  },
  {
    operator: 'suffix with equals-ignore-case',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matching: { detail: { FileName: 'image.PNG' } },
    notMatching: { detail: { FileName: 'image.jpg' } },
  },
  {
    operator: 'equals-ignore-case',
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    matching: ec2Event,
    notMatching: { ...ec2Event, 'detail-type': 'EC2 Instance State-change' },
  },
  {
    operator: 'wildcard',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    matching: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    notMatching: { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
  },
  {
    operator: 'wildcard with an escaped *',
    pattern: { detail: { key: [{ wildcard: 'dir/\\*/file*' }] } },
    matching: { detail: { key: 'dir/*/file.txt' } },
    notMatching: { detail: { key: 'dir/sub/file.txt' } },
  },
  {
    operator: 'anything-but, a value',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    matching: ec2Event,
    notMatching: { detail: { state: 'initializing' } },
  },
  {
    operator: 'anything-but, a list of strings',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    matching: ec2Event,
    notMatching: { detail: { state: 'overloaded' } },
  },
  {
    operator: 'anything-but, a number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    matching: { detail: { 'x-limit': 456 } },
    notMatching: { detail: { 'x-limit': 123 } },
  },
  {
    operator: 'anything-but, a list of numbers',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    matching: { detail: { 'x-limit': 150 } },
    notMatching: { detail: { 'x-limit': 200 } },
  },
  {
    operator: 'anything-but with prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    matching: ec2Event,
    notMatching: { detail: { state: 'initializing' } },
  },
  {
    operator: 'anything-but with a list of prefixes',
    pattern: { detail: { state: [{ 'anything-but': { prefix: ['init', 'pend'] } }] } },
    matching: ec2Event,
    notMatching: { detail: { state: 'pending' } },
  },
  {
    operator: 'anything-but with suffix',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    matching: { detail: { FileName: 'notes.md' } },
    notMatching: { detail: { FileName: 'notes.txt' } },
  },
  {
    operator: 'anything-but with equals-ignore-case',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    matching: ec2Event,
    notMatching: { detail: { state: 'STOPPED' } },
  },
  {
    operator: 'anything-but with wildcard',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    matching: { detail: { FilePath: '/usr/bin/env' } },
    notMatching: { detail: { FilePath: '/usr/lib/libc.so' } },
  },
  {
    operator: 'numeric (=, <, ranges)',
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    matching: { detail: { 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 } },
    notMatching: { detail: { 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 } },
  },
  {
    operator: 'numeric >= and <',
    pattern: { detail: { amount: [{ numeric: ['>=', 100, '<', 200] }] } },
    matching: { detail: { amount: 100 } },
    notMatching: { detail: { amount: 200 } },
  },
  {
    operator: 'cidr (IPv4)',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    matching: { detail: { sourceIPAddress: '10.0.0.255' } },
    notMatching: { detail: { sourceIPAddress: '10.0.1.0' } },
  },
  {
    operator: 'cidr (IPv6)',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    matching: { detail: { sourceIPAddress: '2001:db8::2b' } },
    notMatching: { detail: { sourceIPAddress: '2001:db9::2b' } },
  },
  {
    operator: 'exists: true',
    pattern: { detail: { state: [{ exists: true }] } },
    matching: ec2Event,
    notMatching: { detail: { 'instance-id': 'i-1' } },
  },
  {
    operator: 'exists: false',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    matching: ec2Event,
    notMatching: { detail: { 'c-count': 3 } },
  },
  {
    operator: 'exists only sees leaves (an object is not one)',
    pattern: { detail: [{ exists: true }] },
    matching: { detail: 'a string leaf' },
    notMatching: ec2Event,
  },
  {
    operator: '$or across fields',
    pattern: {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['>', 0, '<', 100] }] },
        ],
      },
    },
    matching: { detail: { 'c-count': 9, 'd-count': 3, 'x-limit': 500 } },
    notMatching: { detail: { 'c-count': 9, 'd-count': 30, 'x-limit': 500 } },
  },
  {
    operator: '$or at the top, with nested objects',
    pattern: {
      source: ['aws.ec2'],
      $or: [{ 'detail-type': ['EC2 Instance State-change Notification'] }, { detail: { state: ['running'] } }],
    },
    matching: { ...ec2Event, 'detail-type': 'other', detail: { state: 'running' } },
    notMatching: { ...ec2Event, 'detail-type': 'other' },
  },
  {
    operator: 'an array in the event (any element)',
    pattern: { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
    matching: { resources: ['arn:other', 'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
    notMatching: { resources: ['arn:other'] },
  },
  {
    operator: 'nested fields (AND across fields)',
    pattern: { source: ['aws.ec2'], detail: { state: ['terminated'], 'instance-id': [{ prefix: 'i-' }] } },
    matching: ec2Event,
    notMatching: { ...ec2Event, detail: { state: 'terminated', 'instance-id': 'x-1' } },
  },
]

/** The summary table of "eb-create-pattern-operators", row by row, with an event each way. */
const operatorTableRows: readonly { operator: string; pattern: unknown; matching: unknown; notMatching: unknown }[] = [
  {
    operator: 'And',
    pattern: { Location: ['New York'], Day: ['Monday'] },
    matching: { Location: 'New York', Day: 'Monday' },
    notMatching: { Location: 'New York', Day: 'Tuesday' },
  },
  {
    operator: 'Anything-but (begins with)',
    pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] },
    matching: { Region: 'eu-west-1' },
    notMatching: { Region: 'us-east-1' },
  },
  {
    operator: 'Anything-but (ends with)',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    matching: { FileName: 'photo.jpg' },
    notMatching: { FileName: 'photo.png' },
  },
  {
    operator: 'Anything-but (ignore case)',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    matching: { state: 'running' },
    notMatching: { state: 'INITIALIZING' },
  },
  {
    operator: 'Begins with',
    pattern: { Region: [{ prefix: 'us-' }] },
    matching: { Region: 'us-east-1' },
    notMatching: { Region: 'eu-west-1' },
  },
  {
    operator: 'Begins with (ignore case)',
    pattern: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
    matching: { service: 'EventBridge' },
    notMatching: { service: 'Lambda' },
  },
  {
    operator: 'Empty',
    pattern: { LastName: [''] },
    matching: { LastName: '' },
    notMatching: { LastName: 'Smith' },
  },
  {
    operator: 'Equals',
    pattern: { Name: ['Alice'] },
    matching: { Name: 'Alice' },
    notMatching: { Name: 'alice' },
  },
  {
    operator: 'Equals (ignore case)',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    matching: { Name: 'ALICE' },
    notMatching: { Name: 'Alicia' },
  },
  {
    operator: 'Ends with (ignore case)',
    pattern: { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
    matching: { service: 'EVENTBRIDGE' },
    notMatching: { service: 'EventBus' },
  },
  {
    operator: 'Exists',
    pattern: { ProductName: [{ exists: true }] },
    matching: { ProductName: 'Widget' },
    notMatching: { Product: 'Widget' },
  },
  {
    operator: 'Does not exist',
    pattern: { ProductName: [{ exists: false }] },
    matching: { Product: 'Widget' },
    notMatching: { ProductName: 'Widget' },
  },
  {
    operator: 'Null',
    pattern: { UserID: [null] },
    matching: { UserID: null },
    notMatching: { UserID: 'u-1' },
  },
  {
    operator: 'Or',
    pattern: { PaymentType: ['Credit', 'Debit'] },
    matching: { PaymentType: 'Debit' },
    notMatching: { PaymentType: 'Cash' },
  },
  {
    operator: 'Numeric (range)',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    matching: { Price: 20 },
    notMatching: { Price: 10 },
  },
  {
    operator: 'IP address',
    pattern: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] },
    matching: { sourceIPAddress: '10.0.0.42' },
    notMatching: { sourceIPAddress: '10.0.10.42' },
  },
  {
    operator: 'Wildcard',
    pattern: { FileName: [{ wildcard: '*.png' }] },
    matching: { FileName: 'dir/photo.png' },
    notMatching: { FileName: 'photo.png.txt' },
  },
]

describe('compilePattern and matches: the EventBridge documentation examples', () => {
  it.each(documentationExamples)('$operator: matches its event', ({ pattern, matching }) => {
    expect(match(pattern, matching)).toBe(true)
  })
  it.each(documentationExamples)('$operator: does not match the other event', ({ pattern, notMatching }) => {
    expect(match(pattern, notMatching)).toBe(false)
  })
  it.each(operatorTableRows)('summary table, $operator: matches its event', ({ pattern, matching }) => {
    expect(match(pattern, matching)).toBe(true)
  })
  it.each(operatorTableRows)('summary table, $operator: does not match the other event', ({ pattern, notMatching }) => {
    expect(match(pattern, notMatching)).toBe(false)
  })
  it('takes the pattern as a JSON string too', () => {
    expect(match(JSON.stringify({ source: ['aws.ec2'] }), ec2Event)).toBe(true)
  })
})

describe('event-ruler correctness-cases.json (array consistency)', () => {
  it.each(eventRulerCorrectnessCases)('$name', ({ rule, event, matches: expected }) => {
    expect(match(rule, event)).toBe(expected)
  })
})

describe('event-ruler RulerTest.java and ACMachineTest.java', () => {
  it.each(eventRulerRulerTestCases)('$name', ({ rule, event, matches: expected }) => {
    expect(match(rule, event)).toBe(expected)
  })
})

// Edge cases written here from aws/event-ruler's sources (src/main/.../JsonRuleCompiler.java, CIDR.java,
// input/WildcardParser.java, and the byte-level matching of ByteMachine.java: a prefix never matches a
// number, an anything-but of strings matches a number), not copied from its tests.
describe('edge cases of the reference implementation', () => {
  const vectors: readonly [string, unknown, unknown, boolean][] = [
    ['wildcard * matches the empty run', { a: [{ wildcard: 'ab*' }] }, { a: 'ab' }, true],
    ['wildcard in the middle', { a: [{ wildcard: 'a*c' }] }, { a: 'abbbc' }, true],
    ['wildcard in the middle, wrong end', { a: [{ wildcard: 'a*c' }] }, { a: 'abbbd' }, false],
    ['wildcard several *', { a: [{ wildcard: '*b*d*' }] }, { a: 'abcde' }, true],
    ['wildcard middle and suffix may not overlap', { a: [{ wildcard: 'a*b*b' }] }, { a: 'ab' }, false],
    ['wildcard no * is exact', { a: [{ wildcard: 'abc' }] }, { a: 'abcd' }, false],
    ['wildcard escaped backslash', { a: [{ wildcard: 'a\\\\b' }] }, { a: 'a\\b' }, true],
    ['wildcard on a number never matches', { a: [{ wildcard: '1*' }] }, { a: 12 }, false],
    ['prefix does not match numbers', { a: [{ prefix: '1' }] }, { a: 12 }, false],
    ['empty prefix matches every string', { a: [{ prefix: '' }] }, { a: 'x' }, true],
    ['numeric does not match a numeric string', { a: [{ numeric: ['>', 0] }] }, { a: '5' }, false],
    ['numeric negative and fractional', { a: [{ numeric: ['>=', -1.5, '<', -1] }] }, { a: -1.25 }, true],
    ['numeric = 0 matches -0', { a: [{ numeric: ['=', 0] }] }, { a: -0 }, true],
    ['numeric in an array of numbers', { a: [{ numeric: ['<', 0] }] }, { a: [3, -2] }, true],
    ['exact number in a string array', { a: [5] }, { a: ['5'] }, false],
    ['anything-but a string matches a number', { a: [{ 'anything-but': 'x' }] }, { a: 1 }, true],
    ['anything-but a number matches its string', { a: [{ 'anything-but': 1 }] }, { a: '1' }, true],
    ['anything-but needs the field', { a: [{ 'anything-but': 'x' }] }, {}, false],
    ['anything-but prefix matches a non-string leaf', { a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 5 }, true],
    ['anything-but one element of an array', { a: [{ 'anything-but': ['x'] }] }, { a: ['x', 'x'] }, false],
    ['cidr /0 holds every IPv4', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '255.255.255.255' }, true],
    ['cidr /31', { ip: [{ cidr: '192.168.0.0/31' }] }, { ip: '192.168.0.2' }, false],
    ['cidr IPv6 case-insensitive', { ip: [{ cidr: '2001:DB8::/32' }] }, { ip: '2001:db8:ffff::1' }, true],
    ['cidr on a non-IP string', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.example' }, false],
    ['cidr IPv4 rule, IPv6 event', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '2001:db8::1' }, false],
    ['equals-ignore-case non-ASCII', { a: [{ 'equals-ignore-case': 'ÉTÉ' }] }, { a: 'été' }, true],
    ['exists true matches null', { a: [{ exists: true }] }, { a: null }, true],
    ['exists false on an object', { a: [{ exists: false }] }, { a: { b: 1 } }, true],
    ['exists false on an empty array', { a: [{ exists: false }] }, { a: [] }, true],
    ['exists false under an absent parent', { a: { b: [{ exists: false }] } }, {}, true],
    ['exists false under an empty array', { a: { b: [{ exists: false }] } }, { a: [] }, true],
    ['exists true or a value', { a: [{ exists: false }, 'x'] }, { a: 'x' }, true],
    ['nested arrays are flattened', { a: ['x'] }, { a: [['y', ['x']]] }, true],
    ['a leaf rule on an object field fails', { a: ['x'] }, { a: { b: 'x' } }, false],
    ['an object rule on a string field fails', { a: { b: ['x'] } }, { a: 'x' }, false],
    ['field names are exact (no dots flattening)', { 'a.b': ['x'] }, { a: { b: 'x' } }, false],
    ['$or nested in $or', { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] }, { c: '3' }, true],
    ['one path in each alternative of a $or is fine', { $or: [{ a: ['1'] }, { a: ['2'] }] }, { a: '2' }, true],
    [
      'an exact IPv6 string matches another spelling (event-ruler ipToRangeIfPossible)',
      { ip: ['2001:DB8::1'] },
      { ip: '2001:db8:0:0:0:0:0:1' },
      true,
    ],
    ['an exact IPv4 string matches only that address', { ip: ['10.0.0.1'] }, { ip: '10.0.0.2' }, false],
    [
      '$or alternatives inside one array element',
      { d: { $or: [{ a: ['1'] }, { b: ['2'] }], c: ['3'] } },
      { d: [{ a: '1' }, { c: '3' }] },
      false,
    ],
  ]
  it.each(vectors)('%s', (_name, pattern, event, expected) => {
    expect(match(pattern, event)).toBe(expected)
  })
})

// Vectors of timbray/quamina: escaping_test.go (JSON escapes in names and values, surrogate pairs) and
// anything_but_test.go (a list whose members prefix one another).
describe('quamina vectors', () => {
  const vectors: readonly [string, string, string, boolean][] = [
    ['escaped field name and value', '{"x\\u0078\\ud83d\\udc8by": ["x\\u0078"]}', '{"xx💋y": "xx"}', true],
    ['emoji field name', '{"😀💋😺": [1]}', '{"\\ud83d\\ude00\\ud83d\\udc8b\\ud83d\\ude3a": 1}', true],
    ['escapes in a value', '{"a": ["\\"\\\\/\\n\\t"]}', '{"a": "\\"\\\\\\/\\n\\t"}', true],
    ['anything-but joe, tim: toe', '{"x": [{"anything-but": ["joe", "tim"]}]}', '{"x": "toe"}', true],
    ['anything-but joe, tim: joe', '{"x": [{"anything-but": ["joe", "tim"]}]}', '{"x": "joe"}', false],
    [
      'anything-but tim, time, timed: time',
      '{"x": [{"anything-but": ["tim", "time", "timed"]}]}',
      '{"x": "time"}',
      false,
    ],
    [
      'anything-but tim, time, timed: timed',
      '{"x": [{"anything-but": ["tim", "time", "timed"]}]}',
      '{"x": "timed"}',
      false,
    ],
    ['anything-but tim, time, timed: ti', '{"x": [{"anything-but": ["tim", "time", "timed"]}]}', '{"x": "ti"}', true],
    [
      'anything-but tim, time, timed: timer',
      '{"x": [{"anything-but": ["tim", "time", "timed"]}]}',
      '{"x": "timer"}',
      true,
    ],
  ]
  it.each(vectors)('%s', (_name, pattern, event, expected) => {
    expect(matches(compilePattern(pattern), JSON.parse(event))).toBe(expected)
  })
})

describe('compilePattern refuses what EventBridge refuses, naming the path', () => {
  const refused: readonly [string, unknown, RegExp][] = [
    ['not JSON', '{"source": [', /pattern must be valid JSON/],
    ['not an object', ['aws.ec2'], /pattern must be an object of fields/],
    ['an empty object', {}, /pattern must be an object with at least one field/],
    ['an empty nested object', { detail: {} }, /pattern\.detail must be an object with at least one field/],
    [
      'a leaf that is not an array',
      { source: 'aws.ec2' },
      /pattern\.source must be an array of match values or an object/,
    ],
    ['an empty array', { source: [] }, /pattern\.source must be a non-empty array/],
    [
      'an array in a leaf list',
      { source: [['a']] },
      /pattern\.source\[0\] must be a string, number, true, false, null/,
    ],
    [
      'an unknown operator',
      { a: [{ contains: 'x' }] },
      /pattern\.a\[0\] must be an operator object with one of .*unknown operator "contains"/,
    ],
    [
      'two keys in an operator',
      { a: [{ prefix: 'x', suffix: 'y' }] },
      /pattern\.a\[0\] must be an operator object with exactly one key/,
    ],
    ['prefix not a string', { a: [{ prefix: 1 }] }, /pattern\.a\[0\]\.prefix must be a string/],
    [
      'prefix with another inner operator',
      { a: [{ prefix: { wildcard: 'x' } }] },
      /pattern\.a\[0\]\.prefix must be a string or \{ "equals-ignore-case"/,
    ],
    [
      'equals-ignore-case not a string',
      { a: [{ 'equals-ignore-case': 5 }] },
      /pattern\.a\[0\]\.equals-ignore-case must be a string/,
    ],
    [
      'wildcard **',
      { a: [{ wildcard: 'a**b' }] },
      /pattern\.a\[0\]\.wildcard must be a wildcard without consecutive \* \(at position 1\)/,
    ],
    ['wildcard bad escape', { a: [{ wildcard: 'a\\b' }] }, /invalid escape at position 1/],
    ['wildcard trailing backslash', { a: [{ wildcard: 'ab\\' }] }, /invalid escape at position 2/],
    ['numeric not an array', { a: [{ numeric: 5 }] }, /pattern\.a\[0\]\.numeric must be an array like/],
    [
      'numeric unknown operator',
      { a: [{ numeric: ['!=', 5] }] },
      /pattern\.a\[0\]\.numeric\[0\] must be one of =, <, <=, >, >=/,
    ],
    ['numeric value a string', { a: [{ numeric: ['>', '5'] }] }, /pattern\.a\[0\]\.numeric\[1\] must be a number/],
    ['numeric empty range', { a: [{ numeric: ['>', 5, '<', 5] }] }, /a range whose bottom is less than its top/],
    ['numeric inverted range', { a: [{ numeric: ['>=', 10, '<=', 1] }] }, /a range whose bottom is less than its top/],
    ['numeric range from below', { a: [{ numeric: ['<', 10, '>', 1] }] }, /a range starts with > or >=/],
    ['numeric range with a bad top', { a: [{ numeric: ['>', 1, '>', 10] }] }, /numeric\[2\] must be one of <, <=/],
    ['numeric too many terms', { a: [{ numeric: ['>', 1, '<', 10, '<', 11] }] }, /numeric must be an array like/],
    ['numeric = with a range', { a: [{ numeric: ['=', 1, '<', 10] }] }, /= takes one number/],
    ['exists not a boolean', { a: [{ exists: 'true' }] }, /pattern\.a\[0\]\.exists must be true or false/],
    [
      'cidr without a mask',
      { ip: [{ cidr: '10.0.0.1' }] },
      /pattern\.ip\[0\]\.cidr must be a CIDR block .*one \/ and an integer mask/,
    ],
    ['cidr not an address', { ip: [{ cidr: '10.0.0/8' }] }, /not an IP address/],
    ['cidr IPv4 mask 32', { ip: [{ cidr: '10.0.0.1/32' }] }, /IPv4 mask bits must be < 32/],
    ['cidr IPv6 mask 128', { ip: [{ cidr: '::1/128' }] }, /IPv6 mask bits must be < 128/],
    [
      'anything-but mixed list',
      { a: [{ 'anything-but': ['x', 1] }] },
      /anything-but must be a string, a number, or a non-empty array of all strings or all numbers/,
    ],
    ['anything-but empty list', { a: [{ 'anything-but': [] }] }, /anything-but must be a string, a number/],
    ['anything-but null', { a: [{ 'anything-but': null }] }, /anything-but must be a string, a number/],
    ['anything-but boolean', { a: [{ 'anything-but': true }] }, /anything-but must be a string, a number/],
    [
      'anything-but numeric',
      { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
      /anything-but must be a value, a list, or an object with prefix/,
    ],
    [
      'anything-but empty prefix',
      { a: [{ 'anything-but': { prefix: '' } }] },
      /anything-but\.prefix must be a non-empty prefix/,
    ],
    [
      'anything-but suffix a number',
      { a: [{ 'anything-but': { suffix: [1] } }] },
      /anything-but\.suffix\[0\] must be a string/,
    ],
    ['anything-but wildcard **', { a: [{ 'anything-but': { wildcard: '**' } }] }, /consecutive \*/],
    ['$or not an array', { $or: { a: ['1'] } }, /pattern\.\$or must be an array of at least 2 objects/],
    ['$or with one object', { $or: [{ a: ['1'] }] }, /pattern\.\$or must be an array of at least 2 objects/],
    ['$or with a non-object', { $or: [{ a: ['1'] }, ['b']] }, /pattern\.\$or\[1\] must be an object of fields/],
    [
      '$or with an operator as a field',
      { $or: [{ a: ['1'] }, { prefix: ['b'] }] },
      /pattern\.\$or\[1\]\.prefix must be a field name other than an operator/,
    ],
    [
      'an operator name deep inside $or',
      { $or: [{ a: ['1'] }, { b: { exists: [true] } }] },
      /pattern\.\$or\[1\]\.b\.exists must be a field name other than an operator/,
    ],
    [
      'a path outside and inside $or',
      { a: ['1'], $or: [{ a: ['2'] }, { b: ['3'] }] },
      /pattern\.\$or\[0\]\.a must be a field not already given at pattern\.a/,
    ],
    [
      'a nested path outside and inside $or',
      { d: { a: ['1'] }, $or: [{ d: { a: ['2'] } }, { b: ['3'] }] },
      /pattern\.\$or\[0\]\.d\.a must be a field not already given at pattern\.d\.a/,
    ],
    [
      'a path in two nested $or that both apply',
      { d: { $or: [{ a: ['1'] }, { b: ['1'] }] }, $or: [{ d: { a: ['2'] } }, { c: ['3'] }] },
      /must be a field not already given/,
    ],
    ['a field name with odd characters', { detail: { 'c-count': 5 } }, /pattern\.detail\["c-count"\] must be an array/],
  ]
  it.each(refused)('%s', (_name, pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(ArgumentError)
    expect(() => compilePattern(pattern)).toThrow(message)
  })

  it('refuses a pattern object that cannot be JSON (a cycle)', () => {
    const cyclic: Record<string, unknown> = { source: ['x'] }
    cyclic.self = cyclic
    expect(() => compilePattern(cyclic)).toThrow(/compilePattern: pattern must be JSON-serialisable/)
  })

  it('refuses a pattern over 2,048 characters and takes one of exactly 2,048', () => {
    const sized = (length: number) => {
      const skeleton = JSON.stringify({ source: [''] })
      return JSON.stringify({ source: ['x'.repeat(length - skeleton.length)] })
    }
    expect(sized(2048)).toHaveLength(2048)
    expect(() => compilePattern(sized(2048))).not.toThrow()
    expect(() => compilePattern(sized(2049))).toThrow(
      /compilePattern: pattern must be at most 2048 characters of JSON, received .*2049 characters/,
    )
    expect(() => compilePattern(JSON.parse(sized(2049)))).toThrow(/at most 2048 characters/)
  })
})

describe('event-ruler JsonRuleCompilerTest.java: what it accepts and refuses', () => {
  it.each(eventRulerAcceptedPatterns)('accepts %s', (pattern) => {
    expect(() => compilePattern(pattern)).not.toThrow()
  })
  it.each(eventRulerRefusedPatterns)('refuses %s', (pattern) => {
    expect(() => compilePattern(pattern)).toThrow(ArgumentError)
  })
  it.each(eventRulerUndocumentedPatterns)('refuses the undocumented %s by name', (pattern) => {
    expect(() => compilePattern(pattern)).toThrow(/unknown operator "exactly"/)
  })
})

describe('properties', () => {
  const leafString = fc.string({ maxLength: 8 })

  it('anything-but [x] is the negation of [x] on a string leaf that exists', () => {
    fc.assert(
      fc.property(leafString, leafString, (x, value) => {
        const event = { a: value }
        expect(match({ a: [{ 'anything-but': [x] }] }, event)).toBe(!match({ a: [x] }, event))
      }),
      { numRuns: 300 },
    )
  })

  it('$or [a, b] is a ∨ b', () => {
    const field = fc.constantFrom('a', 'b', 'c')
    const condition = fc.oneof(
      leafString.map((text) => [text]),
      leafString.map((text) => [{ prefix: text }]),
      fc.constant([{ exists: false }]),
      fc.integer({ min: -5, max: 5 }).map((n) => [{ numeric: ['>', n] }]),
    )
    const pattern = fc.dictionary(field, condition, { minKeys: 1 })
    const event = fc.dictionary(field, fc.oneof(leafString, fc.integer({ min: -5, max: 5 })))
    fc.assert(
      fc.property(pattern, pattern, event, (a, b, e) => {
        expect(match({ $or: [a, b] }, e)).toBe(match(a, e) || match(b, e))
      }),
      { numRuns: 300 },
    )
  })

  it('a field list [x, y] is [x] ∨ [y], and a field whose value is an array matches when any element does', () => {
    fc.assert(
      fc.property(leafString, leafString, fc.array(leafString, { maxLength: 4 }), (x, y, values) => {
        const event = { a: values }
        expect(match({ a: [x, y] }, event)).toBe(match({ a: [x] }, event) || match({ a: [y] }, event))
        expect(match({ a: [x] }, event)).toBe(values.some((value) => match({ a: [x] }, { a: value })))
      }),
      { numRuns: 300 },
    )
  })

  it('prefix p matches exactly the strings that start with p', () => {
    fc.assert(
      fc.property(leafString, leafString, (prefix, value) => {
        expect(match({ a: [{ prefix }] }, { a: value })).toBe(value.startsWith(prefix))
        expect(match({ a: [{ prefix }] }, { a: prefix + value })).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('a wildcard matches as the regular expression of its glob does (valid wildcards over a small alphabet)', () => {
    const wildcard = fc
      .array(fc.constantFrom('a', 'b', '.', '*', '\\*', '\\\\'), { maxLength: 6 })
      .map((parts) => parts.join(''))
      .filter((text) => !/(^|[^\\])\*\*/.test(text.replace(/\\[*\\]/g, 'x')))
    const toRegExp = (glob: string) => {
      let source = ''
      for (let index = 0; index < glob.length; index++) {
        const char = glob[index] as string
        if (char === '*') source += '.*'
        else if (char === '\\') source += `\\${glob[++index]}`
        else source += char.replace(/[.]/g, '\\.')
      }
      return new RegExp(`^${source}$`, 's')
    }
    fc.assert(
      fc.property(
        wildcard,
        fc.oneof(fc.stringMatching(/^[ab]{0,4}$/), fc.stringMatching(/^[ab.*\\]{0,6}$/)),
        (glob, value) => {
          expect(match({ a: [{ wildcard: glob }] }, { a: value })).toBe(toRegExp(glob).test(value))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('an event nesting arrays 100,000 deep is decided, not a stack overflow', () => {
    let deep: unknown = 'x'
    for (let depth = 0; depth < 100_000; depth++) deep = [deep]
    expect(match({ a: ['x'] }, { a: deep })).toBe(true)
    expect(match({ a: { b: [{ exists: false }] } }, { a: deep })).toBe(true)
    expect(match({ a: [{ exists: false }] }, { a: deep })).toBe(false)
  })

  it('a wildcard with many * on a hostile 200,000-character value is decided (no backtracking)', () => {
    const value = 'a'.repeat(200_000)
    expect(match({ a: [{ wildcard: '*a*a*a*a*a*a*a*a*a*a*b' }] }, { a: value })).toBe(false)
    expect(match({ a: [{ wildcard: '*a*a*a*a*a*a*a*a*a*a*' }] }, { a: value })).toBe(true)
  })

  it('a wildcard with no * is an exact match, whatever the regular-expression characters', () => {
    const text = fc.string({ maxLength: 8 }).filter((s) => !s.includes('*') && !s.includes('\\'))
    fc.assert(
      fc.property(text, text, (pattern, value) => {
        expect(match({ a: [{ wildcard: pattern }] }, { a: value })).toBe(pattern === value)
      }),
      { numRuns: 300 },
    )
  })
})
