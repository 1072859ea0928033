import { Aspects, Stack, Tag } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'

/** Context key that marks every stack of an app (or one stack) as production: `cdk deploy -c stakeout:production=true`. */
export const PRODUCTION_CONTEXT_KEY = 'stakeout:production'

/** Tag keys (compared case-insensitively) whose value says which stage a stack belongs to. */
export const STAGE_TAG_KEYS: readonly string[] = ['stage', 'environment', 'env']

/** Tag values (compared case-insensitively) that mean production. */
export const PRODUCTION_TAG_VALUES: readonly string[] = ['prod', 'production']

/**
 * Why the stack that holds `scope` counts as production, or `undefined` when it does not:
 * `context stakeout:production=true` or `tag stage=prod`.
 *
 * A stack is production when its context `stakeout:production` is `true` (or the string `'true'`,
 * as `cdk -c` passes it), or when it carries a tag `stage`, `environment` or `env` (any case) whose
 * value is `prod` or `production` (any case). Tags count whether they were given to the stack's
 * props, or added with `Tags.of(...)` on the stack or one of its scopes (app, stage), even before
 * CDK has applied them.
 *
 * @example
 * const why = productionReason(stack)
 * if (why) throw new Error(`refusing to add test hooks: stack is production (${why})`)
 */
export function productionReason(scope: IConstruct): string | undefined {
  const stack = Stack.of(scope)
  const context: unknown = stack.node.tryGetContext(PRODUCTION_CONTEXT_KEY)
  if (context === true || (typeof context === 'string' && context.trim().toLowerCase() === 'true')) {
    return `context ${PRODUCTION_CONTEXT_KEY}=${String(context)}`
  }
  for (const [key, value] of stageTags(stack)) {
    if (STAGE_TAG_KEYS.includes(key.toLowerCase()) && PRODUCTION_TAG_VALUES.includes(value.trim().toLowerCase())) {
      return `tag ${key}=${value}`
    }
  }
  return undefined
}

/**
 * True when the stack that holds `scope` is marked as production (see {@link productionReason} for
 * the rules). Test-only constructs and aspects use it to refuse to deploy into production unless
 * the user opts in.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib'
 * import { isProductionStack } from 'stakeout/construct'
 *
 * const app = new App()
 * const stack = new Stack(app, 'Shop', { tags: { stage: 'prod' } })
 * isProductionStack(stack) // true
 */
export function isProductionStack(scope: IConstruct): boolean {
  return productionReason(scope) !== undefined
}

/**
 * The stack's tags: those CDK already applied (stack props, `addStackTag`, tag aspects that ran),
 * then those still waiting as `Tag` aspects on the stack or its scopes, which CDK applies only
 * during synthesis (and, with the `@aws-cdk/core:explicitStackTags` flag, never to the stack itself).
 */
function stageTags(stack: Stack): Array<[string, string]> {
  const tags: Array<[string, string]> = Object.entries(stack.tags.tagValues())
  for (const node of stack.node.scopes) {
    for (const aspect of Aspects.of(node).all) {
      if (aspect instanceof Tag) tags.push([aspect.key, aspect.value])
    }
  }
  return tags
}
