/**
 * Vectors of aws/event-ruler, src/test/software/amazon/event/ruler/RulerTest.java (the `Ruler.matchesRule`
 * cases of its tests named below) and ACMachineTest.java (testACWithExistFalseRule), extracted from the Java sources with their expected results.
 */
export const eventRulerRulerTestCases: readonly { name: string; rule: unknown; event: unknown; matches: boolean }[] = [
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #0',
    rule: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #1',
    rule: { time: [{ prefix: '2017-10-02' }], detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #2',
    rule: {
      detail: {
        'source-ip': [{ cidr: '10.0.0.0/24' }],
        'c.count': [{ numeric: ['>', 0, '<=', 5] }],
        'd.count': [{ numeric: ['<', 10] }],
        'x.limit': [{ numeric: ['=', 301.8] }],
      },
    },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #3',
    rule: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #4',
    rule: { detail: { state: [{ prefix: { 'equals-ignore-case': 'RuNn' } }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #5',
    rule: { detail: { state: [{ suffix: 'ning' }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #6',
    rule: { detail: { state: [{ suffix: { 'equals-ignore-case': 'nInG' } }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #7',
    rule: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_RulesFromReadmeAreTried_THEN_TheyWork #8',
    rule: { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } },
    event: {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000'],
      detail: {
        'c.count': 5,
        'd.count': 3,
        'x.limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #0',
    rule: { Image: { Width: [800], Thumbnail: { Height: [125, 300] } } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #1',
    rule: { Image: { Thumbnail: { Url: [{ prefix: 'http' }] } } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #2',
    rule: { Image: { Title: [{ prefix: { 'equals-ignore-case': 'VIeW' } }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #3',
    rule: { Image: { Title: [{ suffix: { 'equals-ignore-case': 'LoOr' } }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #4',
    rule: { Image: { Title: [{ suffix: 'loor' }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork matching #5',
    rule: {
      Image: {
        Width: [{ numeric: ['<', 1000] }],
        Height: [{ numeric: ['<=', 600] }],
        Title: [{ 'anything-but': 'View from 15th Flood' }],
        Thumbnail: {
          Url: [{ prefix: 'http' }],
          Height: [{ numeric: ['>', 124, '<', 126] }],
          Width: [{ numeric: ['>=', 99.999, '<=', 100] }],
        },
        Animated: [false],
      },
    },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: true,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #0',
    rule: { Image: { Width: [{ numeric: ['<', 800] }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #1',
    rule: { Image: { Height: [{ numeric: ['<', 599] }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #2',
    rule: { Image: { Title: [{ 'anything-but': 'View from 15th Floor' }] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #3',
    rule: { Image: { Thumbnail: { Url: [{ prefix: 'https' }] } } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #4',
    rule: { Image: { Thumbnail: { Height: [{ numeric: ['>', 124, '<', 125] }] } } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #5',
    rule: { Image: { Thumbnail: { Width: [{ numeric: ['>=', 100.00001, '<=', 1001] }] } } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_WeWriteRulesToMatchVariousFieldCombos_THEN_TheyWork nonMatching #6',
    rule: { Image: { Animated: [true] } },
    event: {
      Image: {
        Width: 800,
        Height: 600,
        Title: 'View from 15th Floor',
        Thumbnail: { Url: 'http://www.example.com/image/481989943', Height: 125, Width: 100 },
        Animated: false,
        IDs: [116, 943, 234, 38793],
      },
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork matching #0',
    rule: { employees: { firstName: ['Anna'] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: true,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork matching #1',
    rule: { employees: { firstName: ['John'], ids: [1000] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: true,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork matching #2',
    rule: { employees: { firstName: ['Anna'], ids: [{ exists: false }] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: true,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #0',
    rule: { employees: { firstName: ['Alice'] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #1',
    rule: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #2',
    rule: { employees: { firstName: ['Alice'], lastName: ['Bob'] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #3',
    rule: { a: ['b'] },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #4',
    rule: { employees: ['b'] },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #5',
    rule: { employees: { firstName: ['Anna'], ids: [1000] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_JSONContainsArrays_THEN_RulerNoCompileMatchesWork nonMatching #6',
    rule: { employees: { firstName: ['Anna'], ids: [{ exists: true }] } },
    event: {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
      ],
    },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #1/1',
    rule: { a: [{ exists: true }] },
    event: { a: 1 },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #2/1',
    rule: { b: [{ exists: false }] },
    event: { a: 1 },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #3/1',
    rule: { x: [{ exists: true }] },
    event: { a: 1 },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #4/1',
    rule: { x: [{ exists: false }] },
    event: { a: 1 },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #1/2',
    rule: { a: [{ exists: true }] },
    event: { b: 2 },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #2/2',
    rule: { b: [{ exists: false }] },
    event: { b: 2 },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #3/2',
    rule: { x: [{ exists: true }] },
    event: { b: 2 },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #4/2',
    rule: { x: [{ exists: false }] },
    event: { b: 2 },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #1/3',
    rule: { a: [{ exists: true }] },
    event: { x: 'X' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #2/3',
    rule: { b: [{ exists: false }] },
    event: { x: 'X' },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #3/3',
    rule: { x: [{ exists: true }] },
    event: { x: 'X' },
    matches: true,
  },
  {
    name: 'WHEN_WeTryToMatchExistsRules_THEN_TheyWork #4/3',
    rule: { x: [{ exists: false }] },
    event: { x: 'X' },
    matches: false,
  },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #1/1', rule: { a: [1] }, event: { a: 1 }, matches: true },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #2/2', rule: { b: [2] }, event: { b: 2 }, matches: true },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #3/3', rule: { x: ['X'] }, event: { x: 'X' }, matches: true },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #4/1', rule: { a: [1] }, event: { x: true }, matches: false },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #4/2', rule: { b: [2] }, event: { x: true }, matches: false },
  { name: 'WHEN_WeTryReallySimpleRules_THEN_TheyWork #4/3', rule: { x: ['X'] }, event: { x: true }, matches: false },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #0',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'child1', b: '444', c: 'child1', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: true,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #1',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'dad789', b: 789, c: 'zdd', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #2',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'dad789', b: 789, c: 'child1', d: 123, w: 'xaz', z: 1.01, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #3',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'dad1', b: 345, c: 'child1', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #4',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'abc', b: 111, c: 'child1', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #5',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'dad1', b: 333, c: 'child1', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #6',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'abc', b: 0, c: 'child1', d: 444, w: 'xaz', z: 0.999999, n: 'nomatch', o: 'nomatch', p: 'nomatch' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #7',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: {
      a: 'child1',
      b: '444',
      c: 'child1',
      d: 123,
      w: 'zaxonie',
      z: 0.001,
      n: 'nomatch',
      o: 'nomatch',
      p: 'nomatch',
    },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #8',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: {
      a: 'child1',
      b: '444',
      c: 'child1',
      d: 123,
      w: 'xaz',
      z: 0.001,
      n: 'matching',
      o: 'nomatch',
      p: 'nomatch',
    },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #9',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: {
      a: 'child1',
      b: '444',
      c: 'child1',
      d: 123,
      w: 'xaz',
      z: 0.001,
      n: 'nomatch',
      o: 'camelcase',
      p: 'nomatch',
    },
    matches: false,
  },
  {
    name: 'WHEN_WeTryAnythingButRules_THEN_Theywork #10',
    rule: {
      a: [{ 'anything-but': ['dad0', 'dad1', 'dad2'] }],
      b: [{ 'anything-but': [111, 222, 333] }],
      c: [{ 'anything-but': 'zdd' }],
      d: [{ 'anything-but': 444 }],
      z: [{ numeric: ['>', 0, '<', 1] }],
      w: [{ 'anything-but': { prefix: 'zax' } }],
      n: [{ 'anything-but': { suffix: 'ing' } }],
      o: [{ 'anything-but': { 'equals-ignore-case': 'CamelCase' } }],
      p: [{ 'anything-but': { 'equals-ignore-case': ['CamelCase', 'AbC'] } }],
    },
    event: { a: 'child1', b: '444', c: 'child1', d: 123, w: 'xaz', z: 0.001, n: 'nomatch', o: 'nomatch', p: 'abc' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryEqualsIgnoreCaseRules_THEN_TheyWork #0',
    rule: {
      a: [{ 'equals-ignore-case': 'aBc' }],
      b: [{ 'equals-ignore-case': 'Def' }],
      c: [{ 'equals-ignore-case': 'xyZ' }],
    },
    event: { a: 'ABC', b: 'defx', c: 'xYz', d: 'rst' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryEqualsIgnoreCaseRules_THEN_TheyWork #1',
    rule: {
      a: [{ 'equals-ignore-case': 'aBc' }],
      b: [{ 'equals-ignore-case': 'Def' }],
      c: [{ 'equals-ignore-case': 'xyZ' }],
    },
    event: { a: 'ABC', c: 'xYz', d: 'rst' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryEqualsIgnoreCaseRules_THEN_TheyWork #2',
    rule: {
      a: [{ 'equals-ignore-case': 'aBc' }],
      b: [{ 'equals-ignore-case': 'Def' }],
      c: [{ 'equals-ignore-case': 'xyZ' }],
    },
    event: { a: 'ABC', b: 'xYz', c: 'def', d: 'rst' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryEqualsIgnoreCaseRules_THEN_TheyWork #3',
    rule: {
      a: [{ 'equals-ignore-case': 'aBc' }],
      b: [{ 'equals-ignore-case': 'Def' }],
      c: [{ 'equals-ignore-case': 'xyZ' }],
    },
    event: { a: 'ABC', b: 'def', c: 'xYz', d: 'rst' },
    matches: true,
  },
  {
    name: 'WHEN_WeTryWildcardRules_THEN_TheyWork #0',
    rule: { a: [{ wildcard: '*bc' }], b: [{ wildcard: 'd*f' }], c: [{ wildcard: 'xy*' }], d: [{ wildcard: 'xy*' }] },
    event: { a: 'abcbc', b: 'deeeefx', c: 'xy', d: 'xyzzz' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryWildcardRules_THEN_TheyWork #1',
    rule: { a: [{ wildcard: '*bc' }], b: [{ wildcard: 'd*f' }], c: [{ wildcard: 'xy*' }], d: [{ wildcard: 'xy*' }] },
    event: { a: 'abcbc', b: 'deeeef', d: 'xyzzz' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryWildcardRules_THEN_TheyWork #2',
    rule: { a: [{ wildcard: '*bc' }], b: [{ wildcard: 'd*f' }], c: [{ wildcard: 'xy*' }], d: [{ wildcard: 'xy*' }] },
    event: { a: 'abcbc', b: 'xy', c: 'deeeef', d: 'xyzzz' },
    matches: false,
  },
  {
    name: 'WHEN_WeTryWildcardRules_THEN_TheyWork #3',
    rule: { a: [{ wildcard: '*bc' }], b: [{ wildcard: 'd*f' }], c: [{ wildcard: 'xy*' }], d: [{ wildcard: 'xy*' }] },
    event: { a: 'abcbc', b: 'deeeef', c: 'xy', d: 'xyzzz' },
    matches: true,
  },
  {
    name: 'ACMachineTest.java testACWithExistFalseRule #r1/event1',
    rule: {
      requestContext: {
        taskInstances: {
          taskInstanceState: ['ACTIVE'],
          provider: { id: ['XXXXXXXXXXXX'] },
          resources: { additionalContext: { capabilityInterfaces: { interfaceName: [{ exists: false }] } } },
        },
      },
    },
    event: {
      requestContext: {
        taskInstances: [
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'ACTIVE',
            provider: { id: 'XXXXXXXXXXXX', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXX' },
              },
            ],
          },
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'InACTIVE',
            provider: { id: 'SomeRandom', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'Dummy.DummyDumDum' }] },
              },
            ],
          },
        ],
      },
    },
    matches: true,
  },
  {
    name: 'ACMachineTest.java testACWithExistFalseRule #r2/event1',
    rule: {
      requestContext: {
        taskInstances: {
          taskInstanceState: ['ACTIVE'],
          provider: { id: ['XXXXXXXXXXXX'] },
          resources: { additionalContext: { capabilityInterfaces: { abc: [{ exists: false }] } } },
        },
      },
    },
    event: {
      requestContext: {
        taskInstances: [
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'ACTIVE',
            provider: { id: 'XXXXXXXXXXXX', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXX' },
              },
            ],
          },
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'InACTIVE',
            provider: { id: 'SomeRandom', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'Dummy.DummyDumDum' }] },
              },
            ],
          },
        ],
      },
    },
    matches: true,
  },
  {
    name: 'ACMachineTest.java testACWithExistFalseRule #r1/event2',
    rule: {
      requestContext: {
        taskInstances: {
          taskInstanceState: ['ACTIVE'],
          provider: { id: ['XXXXXXXXXXXX'] },
          resources: { additionalContext: { capabilityInterfaces: { interfaceName: [{ exists: false }] } } },
        },
      },
    },
    event: {
      requestContext: {
        taskInstances: [
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'ACTIVE',
            provider: { id: 'XXXXXXXXXXXX', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'XXXX.XXXXXXXXXXXXXX' }] },
              },
            ],
          },
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'InACTIVE',
            provider: { id: 'SomeRandom', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'XXXX.XXXXXXXXXXXXXX' }] },
              },
            ],
          },
        ],
      },
    },
    matches: false,
  },
  {
    name: 'ACMachineTest.java testACWithExistFalseRule #r2/event2',
    rule: {
      requestContext: {
        taskInstances: {
          taskInstanceState: ['ACTIVE'],
          provider: { id: ['XXXXXXXXXXXX'] },
          resources: { additionalContext: { capabilityInterfaces: { abc: [{ exists: false }] } } },
        },
      },
    },
    event: {
      requestContext: {
        taskInstances: [
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'ACTIVE',
            provider: { id: 'XXXXXXXXXXXX', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'XXXX.XXXXXXXXXXXXXX' }] },
              },
            ],
          },
          {
            taskInstanceId: 'id1',
            taskInstanceState: 'InACTIVE',
            provider: { id: 'SomeRandom', type: 'XXXXXXXX' },
            resources: [
              {
                legacyFocusCategory: 'XXXXXFocus',
                endpointIdentifier: { type: 'XXXIdentifier', MaskedNumber: 'XXXXXXXXXXXX' },
                additionalContext: { capabilityInterfaces: [{ interfaceName: 'XXXX.XXXXXXXXXXXXXX' }] },
              },
            ],
          },
        ],
      },
    },
    matches: true,
  },
]
