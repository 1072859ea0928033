import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack, type StackProps } from 'aws-cdk-lib'
import type { Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import type { Construct } from 'constructs'
import { HttpInterceptor, type HttpInterceptorProps } from 'stakeout/construct'

const tempDirs: string[] = []

/** A directory shaped like the interceptor layer (`stakeout/wrapper`, `stakeout/handler.mjs`). */
export function layerDirectory(): string {
  const root = mkdtempSync(join(tmpdir(), 'stakeout-layer-'))
  tempDirs.push(root)
  mkdirSync(join(root, 'stakeout'))
  writeFileSync(join(root, 'stakeout', 'wrapper'), '#!/bin/bash\nexec "$@"\n', { mode: 0o755 })
  writeFileSync(join(root, 'stakeout', 'handler.mjs'), 'export const handler = async () => ({})\n')
  return root
}

/** Removes every directory {@link layerDirectory} made. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** An app and a stack (never production unless the props or context say so). */
export function testStack(props: StackProps = {}, context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({ context })
  const stack = new Stack(app, 'Test', props)
  return { app, stack }
}

/** An HttpInterceptor whose layer is a temporary directory. */
export function testInterceptor(scope: Construct, props: HttpInterceptorProps = {}, id = 'HttpInterceptor') {
  return new HttpInterceptor(scope, id, { layerCode: lambda.Code.fromAsset(layerDirectory()), ...props })
}

/** A plain Node.js function with inline code. */
export function nodeFunction(scope: Construct, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
    ...props,
  })
}

/** The logical id of the one resource of `type` whose logical id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix))
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${JSON.stringify(ids)}`)
  return ids[0] as string
}

/** What a function looks like in the template: its variables, its layers and the policies on its role. */
export function deployed(template: Template, fnPrefix: string) {
  const fnId = logicalId(template, 'AWS::Lambda::Function', fnPrefix)
  const fn = template.findResources('AWS::Lambda::Function')[fnId] as {
    Properties: { Environment?: { Variables: Record<string, unknown> }; Layers?: unknown[]; Role: unknown }
  }
  const interceptorPolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
    id.startsWith(`${fnPrefix}StakeoutHttpInterceptorPolicy`),
  )
  return {
    fnId,
    variables: fn.Properties.Environment?.Variables,
    layers: fn.Properties.Layers,
    role: fn.Properties.Role,
    interceptorPolicies,
  }
}
