import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** Every process below `pid` (children, their children...), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Fields after the command name (which may hold spaces, inside parentheses): state, then the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(Number(entry), parent)
    } catch {
      // The process ended while the list was read.
    }
  }
  const found: number[] = []
  const visit = (parent: number) => {
    for (const [child, of] of parents) {
      if (of === parent) {
        found.push(child)
        visit(child)
      }
    }
  }
  visit(pid)
  return found
}

/** What a process was started as (its command line, arguments joined by spaces), or '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}

/**
 * Every process seen below `pid` while it runs, with its command line, looked for every 50 ms (children come and go
 * during start-up); `look()` looks once more now.
 */
export function watchDescendants(pid: number): { readonly seen: Map<number, string>; look(): void; stop(): void } {
  const seen = new Map<number, string>()
  const look = () => {
    for (const found of descendants(pid)) if (!seen.has(found)) seen.set(found, commandLine(found))
  }
  const timer = setInterval(look, 50)
  look()
  return { seen, look, stop: () => clearInterval(timer) }
}

/**
 * The processes of `pids` still alive once they had 20 s to go. A process tied to a dead parent goes shortly after it:
 * DynamoDB Local's watchdog sends SIGTERM, and SIGKILL 5 s later.
 */
export async function survivors(pids: Iterable<number>): Promise<number[]> {
  const deadline = Date.now() + 20_000
  let alive = [...pids].filter(isAlive)
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    alive = alive.filter(isAlive)
  }
  return alive
}

/** A process that exited but was not yet reaped is a zombie: gone for this purpose. */
export function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
