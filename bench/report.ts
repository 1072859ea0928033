/**
 * What every benchmark of bench/ shares: the statistics it reports and how it writes its own section of
 * BENCHMARKS.md (between markers named after the script, leaving the other sections as they are).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The median of the values (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[middle] ?? 0)
}

/** The nearest-rank percentile (`p` from 0 to 100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

/** A duration for a table: `312 ms`, `4.21 ms`, `35 µs`. */
export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`
  if (value >= 1) return `${value.toFixed(2)} ms`
  return `${(value * 1000).toFixed(value >= 0.01 ? 0 : 1)} µs`
}

/**
 * Writes `body` as the section of BENCHMARKS.md that `script` owns (replacing its previous one, or appended), and
 * prints it.
 *
 * @param script the script's path from the repository root (`bench/ledger.ts`): the markers' name
 */
export async function writeSection(script: string, body: string): Promise<void> {
  const start = `<!-- ${script}: start -->`
  const end = `<!-- ${script}: end -->`
  const section = `${start}\n${body.trim()}\n${end}`
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
  const current = await readFile(file, 'utf8').catch(() => '# Benchmarks\n')
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const updated =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${section}\n`
  await writeFile(file, updated)
  console.log(section)
}
