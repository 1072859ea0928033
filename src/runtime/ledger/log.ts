/**
 * The ledger functions' log lines: one line each (CloudWatch Logs splits on newlines), prefixed `[stakeout]` as the
 * interceptor's lines are, so a metric filter or a search finds them.
 */
export { describeError } from '../interceptor/describe-error.js'

/** Writes `text` as one line on stderr (`console.error`, which Lambda marks as ERROR). */
export function logFailure(text: string): void {
  console.error(`[stakeout] ${oneLine(text)}`)
}

/** Writes `text` as one line on stdout (`console.log`, INFO). */
export function logNotice(text: string): void {
  console.log(`[stakeout] ${oneLine(text)}`)
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ')
}
