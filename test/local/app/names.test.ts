import { describe, expect, it } from 'vitest'
import { generatedName } from '../../../src/local/app/names.js'

/** A suffix of the alphabet's first character, so names are known without hard-coding randomness away. */
const fixed = (alphabet: string, length: number) => alphabet[0]!.repeat(length)

describe('generatedName: names as CloudFormation makes them when the template names none', () => {
  it('is <stack>-<logical id>-<12 characters>, upper case for tables and mixed case for functions', () => {
    expect(generatedName('AWS::DynamoDB::Table', 'Shop', 'Orders1A2B3C4D', fixed)).toBe(
      'Shop-Orders1A2B3C4D-AAAAAAAAAAAA',
    )
    const table = generatedName('AWS::DynamoDB::Table', 'Shop', 'Orders1A2B3C4D')
    expect(table).toMatch(/^Shop-Orders1A2B3C4D-[A-Z0-9]{12}$/)
    const names = new Set(Array.from({ length: 50 }, () => generatedName('AWS::Lambda::Function', 'Shop', 'Pay')))
    expect(names.size).toBe(50)
    expect([...names].join('')).toMatch(/[a-z]/)
  })

  it('keeps a function name within 64 characters: the logical id shortened first, both halved past that', () => {
    const stack = 'CheckoutServiceStack'
    const logicalId = 'PaymentsWebhookHandlerFunctionE8A1B2C3D4'
    const name = generatedName('AWS::Lambda::Function', stack, logicalId, fixed)
    expect(name).toHaveLength(64)
    expect(name).toBe(`${stack}-PaymentsWebhookHandlerFunction-AAAAAAAAAAAA`)
    // A stack name longer than half the room: each part gets half.
    expect(generatedName('AWS::Lambda::Function', `${stack}Production`, logicalId, fixed)).toBe(
      'CheckoutServiceStackProdu-PaymentsWebhookHandlerFun-AAAAAAAAAAAA',
    )
    const both = generatedName('AWS::Lambda::Function', 'S'.repeat(60), 'L'.repeat(60), fixed)
    expect(both).toBe(`${'S'.repeat(25)}-${'L'.repeat(25)}-AAAAAAAAAAAA`)
    expect(generatedName('AWS::Lambda::Function', 'Stage-', 'Fn', fixed)).toBe('Stage-Fn-AAAAAAAAAAAA')
  })

  it('drops what a name may not hold: a nested stack path is joined without its slashes', () => {
    expect(generatedName('AWS::DynamoDB::Table', 'Shop/Workers', 'Jobs', fixed)).toBe('ShopWorkers-Jobs-AAAAAAAAAAAA')
  })
})
