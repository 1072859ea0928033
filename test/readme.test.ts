import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const readme = await readFile(`${root}/README.md`, 'utf8')

/** Every `<!-- snippet: path -->` marker and the code block under it. */
function snippets(): { path: string; code: string }[] {
  const found: { path: string; code: string }[] = []
  for (const match of readme.matchAll(/<!-- snippet: (\S+) -->\n```(?:ts|json)\n([\s\S]*?)\n```/g)) {
    found.push({ path: match[1]!, code: match[2]! })
  }
  return found
}

/**
 * The README's snippets that open with `// examples/<file>` are excerpts of that file: each run of lines between
 * `// …` elisions is in the file as it is. The files compile and run (typecheck, `npm run example`), so the snippets do.
 */
const excerpts = [...readme.matchAll(/```ts\n(\/\/ (examples\/\S+)\n[\s\S]*?)```/g)].map((match) => ({
  file: match[2] ?? '',
  chunks: (match[1] ?? '')
    .split('\n')
    .slice(1)
    .join('\n')
    .split(/^\/\/ …\n/m)
    .map((chunk) => chunk.trimEnd())
    .filter((chunk) => chunk !== ''),
}))

// The snippets are files the typecheck compiles and the example project runs (examples/readme/, examples/bank/):
// the page must show exactly them, so a snippet that no longer compiles cannot stay in it.
describe('README', () => {
  it('shows each compiled snippet exactly as its file holds it', async () => {
    const found = snippets()
    expect(found.map((snippet) => snippet.path)).toEqual(
      expect.arrayContaining([
        'examples/readme/cdk.json',
        'examples/readme/bin/app.ts',
        'examples/readme/vitest.config.ts',
        'examples/readme/functions/sign-up.ts',
        'examples/readme/test/sign-up.test.ts',
        'examples/readme/lib/sign-up-stack.ts',
      ]),
    )
    for (const { path, code } of found) {
      expect(code, path).toBe((await readFile(`${root}/${path}`, 'utf8')).trimEnd())
    }
  })

  it('has as its first example a test file with no local set-up: refs, and the global setup in the config', () => {
    const [first] = snippets().filter((snippet) => snippet.path.endsWith('.test.ts'))
    expect(first?.path).toBe('examples/readme/test/sign-up.test.ts')
    const imported = [...(first?.code ?? '').matchAll(/^import .* from '([^']+)'$/gm)].map((match) => match[1])
    expect(imported).toEqual(['stakeout', 'vitest'])
    expect(first?.code).not.toMatch(/beforeAll|afterAll|startLocal|startDynamoDBLocal|startHandler/)
    const config = snippets().find((snippet) => snippet.path === 'examples/readme/vitest.config.ts')?.code
    expect(config).toContain("setupFiles: ['stakeout/vitest']")
    expect(config).toContain("globalSetup: ['stakeout/vitest/global-setup']")
  })

  it('has the bank as its complete example: stack, app, runtime and tests', () => {
    expect(excerpts.map((excerpt) => excerpt.file)).toEqual([
      'examples/bank/stack.ts',
      'examples/bank/app.ts',
      'examples/bank/functions/dispatch.ts',
      'examples/bank/credit-account.test.ts',
      'examples/bank/ledger.test.ts',
      'examples/bank/statement.test.ts',
    ])
  })

  it.each(excerpts)('shows $file as it is', async ({ file, chunks }) => {
    const source = await readFile(`${root}/${file}`, 'utf8')
    for (const chunk of chunks) expect(source).toContain(chunk)
  })

  it('"Use it in your project" follows "Set up" and says what to install', () => {
    const setUp = readme.indexOf('\n## Set up\n')
    const use = readme.indexOf('\n## Use it in your project\n')
    expect(setUp).toBeGreaterThan(0)
    expect(use).toBeGreaterThan(setUp)
    expect(readme.slice(setUp + 1, use)).not.toMatch(/\n## /)
    const section = readme.slice(use, readme.indexOf('\n## ', use + 1))
    expect(section).toContain('Node.js 22.12')
    expect(section).toMatch(/npm install --save-dev stakeout vitest@5 aws-cdk-lib constructs/)
    expect(section).toContain("import { defineConfig } from 'vitest/config'")
  })

  it('links only to files of the repository', () => {
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]!)
    expect(links.filter((link) => /^[a-z]+:/i.test(link))).toEqual([])
  })
})
