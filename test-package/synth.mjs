/**
 * Smoke check (CDK): a user's stack with `HttpInterceptor` + `applyHttpInterceptor` from the installed
 * package, synthesized with the user's aws-cdk-lib, once through the ESM build and once through the
 * CommonJS build. The layer's asset must come from the installed `dist/layer` (not built from sources),
 * hold the executable `stakeout/wrapper` and `stakeout/handler.mjs`, and be attached to the function.
 * Usage: node synth.mjs <cdk.out directory>
 */
import assert from 'node:assert/strict'
import { existsSync, realpathSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { App, AssetStaging, Stack } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'

const outdir = process.argv[2]
assert.ok(outdir, 'usage: node synth.mjs <cdk.out directory>')
const installedLayer = realpathSync(fileURLToPath(new URL('./node_modules/stakeout/dist/layer', import.meta.url)))

const builds = {
  esm: await import('stakeout/construct'),
  cjs: createRequire(import.meta.url)('stakeout/construct'),
}
assert.notEqual(builds.esm.HttpInterceptor, builds.cjs.HttpInterceptor, 'two builds, two classes')

const app = new App({ outdir })
const stacks = Object.entries(builds).map(([format, { HttpInterceptor, applyHttpInterceptor }]) => {
  const stack = new Stack(app, `Smoke${format.toUpperCase()}`)
  new lambda.Function(stack, 'MakeExternalCalls', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => fetch("https://api-1/")'),
  })
  const interceptor = new HttpInterceptor(stack, 'HttpInterceptor')
  applyHttpInterceptor(stack, interceptor)
  return { format, stack, interceptor }
})
const assembly = app.synth()

for (const { format, stack, interceptor } of stacks) {
  const staging = interceptor.layer.node.findAll().find((node) => node instanceof AssetStaging)
  assert.ok(staging, `${format}: the layer has an asset`)
  assert.equal(realpathSync(staging.sourcePath), installedLayer, `${format}: layer asset is the installed dist/layer`)

  for (const root of [installedLayer, staging.absoluteStagedPath]) {
    const wrapper = path.join(root, 'stakeout', 'wrapper')
    assert.ok(existsSync(wrapper), `${format}: ${wrapper} exists`)
    assert.ok((statSync(wrapper).mode & 0o111) !== 0, `${format}: ${wrapper} is executable`)
    assert.ok(existsSync(path.join(root, 'stakeout', 'handler.mjs')), `${format}: ${root}/stakeout/handler.mjs`)
  }

  const template = assembly.getStackByName(stack.stackName).template
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')
  assert.equal(functions.length, 1, `${format}: one function`)
  const [fn] = functions
  assert.equal(fn.Properties.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER, '/opt/stakeout/wrapper')
  const layerId = stack.getLogicalId(interceptor.layer.node.defaultChild)
  assert.deepEqual(fn.Properties.Layers, [{ Ref: layerId }], `${format}: the function has the interceptor layer`)
}
console.log(`layer asset from ${installedLayer}`)
