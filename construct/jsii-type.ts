import type { IConstruct } from 'constructs'

const JSII_RTTI = Symbol.for('jsii.rtti')

/**
 * Whether `construct`'s class, or a class it extends, is the aws-cdk-lib type `fqn`
 * (`aws-cdk-lib.custom_resources.Provider`). It reads the runtime type information jsii puts on
 * every aws-cdk-lib class rather than `instanceof`, so it needs no import of the module and still
 * works when the app and stakeout resolve two copies of aws-cdk-lib.
 */
export function hasJsiiType(construct: IConstruct, fqn: string): boolean {
  let type: unknown = construct.constructor
  while (typeof type === 'function' && type !== Function.prototype) {
    const rtti = (type as { [JSII_RTTI]?: { fqn?: unknown } })[JSII_RTTI]
    if (rtti?.fqn === fqn) return true
    type = Object.getPrototypeOf(type)
  }
  return false
}
