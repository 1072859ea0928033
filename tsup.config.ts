import { defineConfig } from 'tsup'

/** One build, two formats: ESM (.js) and CommonJS (.cjs), each with its declarations. */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
    'vitest-global-setup': 'src/vitest-global-setup.ts',
    jest: 'src/jest.ts',
    construct: 'construct/index.ts',
    runtime: 'src/runtime/index.ts',
    local: 'src/local/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node22',
  sourcemap: true,
  splitting: true,
  // p-retry (and its deps) are ESM-only: bundled so the CommonJS build loads without require(esm).
  noExternal: ['p-retry', 'is-network-error'],
  external: ['vitest', '@jest/globals', 'aws-cdk-lib', 'constructs', 'esbuild'],
})
