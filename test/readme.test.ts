import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repo = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const readme = readFileSync(repo('README.md'), 'utf8')

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

describe('README', () => {
  it('has the bank as its first example: stack, app and test', () => {
    expect(excerpts.map((excerpt) => excerpt.file)).toEqual([
      'examples/bank/stack.ts',
      'examples/bank/app.ts',
      'examples/bank/credit-account.test.ts',
    ])
  })

  it.each(excerpts)('shows $file as it is', ({ file, chunks }) => {
    const source = readFileSync(repo(file), 'utf8')
    for (const chunk of chunks) expect(source).toContain(chunk)
  })
})
