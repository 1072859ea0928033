import { App, Stack, Stage, Tags } from 'aws-cdk-lib'
import { Construct } from 'constructs'
import { isProductionStack, PRODUCTION_CONTEXT_KEY, productionReason } from 'stakeout/construct'
import { describe, expect, it } from 'vitest'

describe('isProductionStack', () => {
  it('is false for a plain stack', () => {
    const stack = new Stack(new App(), 'Shop')
    expect(isProductionStack(stack)).toBe(false)
    expect(productionReason(stack)).toBeUndefined()
  })

  it.each([
    [true, 'context stakeout:production=true'],
    ['true', 'context stakeout:production=true'],
    [' TRUE ', 'context stakeout:production= TRUE '],
  ])('is true with context stakeout:production = %o', (value, reason) => {
    const stack = new Stack(new App({ context: { [PRODUCTION_CONTEXT_KEY]: value } }), 'Shop')
    expect(isProductionStack(stack)).toBe(true)
    expect(productionReason(stack)).toBe(reason)
  })

  it.each([false, 'false', 'yes', 1])('is false with context stakeout:production = %o', (value) => {
    const stack = new Stack(new App({ context: { [PRODUCTION_CONTEXT_KEY]: value } }), 'Shop')
    expect(isProductionStack(stack)).toBe(false)
  })

  it('reads the context of the stack itself', () => {
    const app = new App()
    const prod = new Stack(app, 'Prod')
    prod.node.setContext(PRODUCTION_CONTEXT_KEY, true)
    expect(isProductionStack(prod)).toBe(true)
    expect(isProductionStack(new Stack(app, 'Test'))).toBe(false)
  })

  it.each([
    ['stage', 'prod'],
    ['Stage', 'Production'],
    ['ENVIRONMENT', 'PROD'],
    ['env', 'production'],
    ['Env', ' prod '],
  ])('is true with the stack tag %s=%s', (key, value) => {
    const stack = new Stack(new App(), 'Shop', { tags: { [key]: value } })
    expect(productionReason(stack)).toBe(`tag ${key}=${value}`)
  })

  it.each([
    ['stage', 'preprod'],
    ['stage', 'production-like'],
    ['owner', 'prod'],
    ['stages', 'prod'],
    ['environment', 'staging'],
  ])('is false with the stack tag %s=%s', (key, value) => {
    expect(isProductionStack(new Stack(new App(), 'Shop', { tags: { [key]: value } }))).toBe(false)
  })

  it('sees Tags.of on the app, a stage or the stack before CDK applies them', () => {
    const app = new App()
    const stage = new Stage(app, 'Live')
    const inStage = new Stack(stage, 'Shop')
    const onApp = new App()
    const appStack = new Stack(onApp, 'Shop')
    const direct = new Stack(new App(), 'Shop')

    Tags.of(stage).add('stage', 'prod')
    Tags.of(onApp).add('environment', 'production')
    Tags.of(direct).add('env', 'prod')

    expect(productionReason(inStage)).toBe('tag stage=prod')
    expect(productionReason(appStack)).toBe('tag environment=production')
    expect(productionReason(direct)).toBe('tag env=prod')
    expect(isProductionStack(new Stack(app, 'Outside'))).toBe(false)
  })

  it('answers for any construct, through its stack', () => {
    const stack = new Stack(new App(), 'Shop', { tags: { stage: 'prod' } })
    const api = new Construct(new Construct(stack, 'Api'), 'Handlers')
    expect(productionReason(api)).toBe('tag stage=prod')
  })
})
