import { defineConfig } from 'tsup'

/** One build, two formats: ESM (.js) and CommonJS (.cjs), each with its declarations. */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
    'vitest-global-setup': 'src/vitest-global-setup.ts',
    jest: 'src/jest.ts',
    'jest-global-setup': 'src/jest-global-setup.ts',
    'jest-global-teardown': 'src/jest-global-teardown.ts',
    construct: 'construct/index.ts',
    runtime: 'src/runtime/index.ts',
    local: 'src/local/index.ts',
    // The package's bin (`npx stakeout local`); its shebang stays at the top of dist/cli.js.
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node22',
  sourcemap: true,
  splitting: true,
  // With splitting, tsup writes the CommonJS build as ESM and converts it with sucrase, which leaves
  // `import.meta.url` in place: a SyntaxError under require(). The shim makes it the chunk's file URL.
  shims: true,
  // p-retry (and its deps) are ESM-only: bundled so the CommonJS build loads without require(esm).
  noExternal: ['p-retry', 'is-network-error'],
  // The runners and CDK are the user's own copies (one `expect`, one construct tree); esbuild is a native
  // binary. tsup leaves dependencies and peers out already: listed so a move in package.json cannot bundle them.
  external: ['vitest', '@jest/globals', 'jest', 'aws-cdk-lib', 'constructs', 'esbuild'],
})
