import { describe, expect, it } from 'vitest'
import {
  ArgumentError,
  atUserLine,
  callSite,
  describeError,
  failArgument,
  restack,
  StakeoutError,
} from '../src/errors.js'

function library(value: unknown): void {
  failArgument(library, 'library', 'value', 'a string', value)
}

async function asyncLibrary(): Promise<never> {
  const site = callSite(asyncLibrary)
  await new Promise((resolve) => setTimeout(resolve, 1))
  throw atUserLine(new Error('too late'), site)
}

describe('errors', () => {
  it('failArgument names the argument, and its stack starts at the caller, not in the library', () => {
    let thrown: unknown
    try {
      library(42)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toEqual(new ArgumentError('library', 'value', 'a string', 42))
    const frames = (thrown as Error).stack?.split('\n') ?? []
    expect(frames[0]).toBe('ArgumentError: library: value must be a string, received number 42')
    expect(frames[1]).toContain('errors.test.ts')
    expect(frames.join('\n')).not.toMatch(/at library \(/)
  })

  it('callSite keeps the user line across an await, for an error thrown after it', async () => {
    const error = await asyncLibrary().catch((failure: unknown) => failure as Error)
    const frames = error.stack?.split('\n') ?? []
    expect(frames[0]).toBe('Error: too late')
    expect(frames[1]).toContain('errors.test.ts')
    expect(frames.join('\n')).not.toContain('asyncLibrary')
  })

  it('restack points a stakeout error at the caller of the site, and leaves any other error as it is', () => {
    function fixture(error: unknown): unknown {
      return restack(error, fixture)
    }
    const refused = fixture(new StakeoutError('refused')) as Error
    expect(refused.stack?.split('\n')[0]).toBe('StakeoutError: refused')
    expect(refused.stack?.split('\n')[1]).toContain('errors.test.ts')
    expect(refused.stack).not.toMatch(/at fixture \(/)
    // A bug keeps the stack that says where it came from.
    const bug = new TypeError('x is undefined')
    const stack = bug.stack
    expect(fixture(bug)).toBe(bug)
    expect(bug.stack).toBe(stack)
    // Frames kept by callSite, and no site at all.
    const capture = (): string => callSite(capture)
    const site = capture()
    expect(site.split('\n')[0]).toContain('errors.test.ts')
    expect((restack(new StakeoutError('later'), site) as Error).stack).toBe(`StakeoutError: later\n${site}`)
    const unplaced = new StakeoutError('unplaced')
    const own = unplaced.stack
    expect((restack(unplaced, undefined) as Error).stack).toBe(own)
  })

  it('with the boundary not on the stack, callSite keeps no frame and the error keeps its own stack', () => {
    function elsewhere(): void {}
    expect(callSite(elsewhere)).toBe('')
    const error = new StakeoutError('not re-pointed')
    const own = error.stack
    expect(atUserLine(error, callSite(elsewhere)).stack).toBe(own)
    expect((restack(error, elsewhere) as Error).stack).toBe(own)
  })

  it('describeError shows the name, the code and the message, cut to a limit; other values as values', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { code: 'ECONNREFUSED' })
    expect(describeError(refused)).toBe('TypeError [ECONNREFUSED]: fetch failed')
    expect(describeError(new Error('x'.repeat(30)), 10)).toBe('Error: xxx… (27 more characters)')
    expect(describeError('boom')).toBe("string 'boom'")
  })
})
