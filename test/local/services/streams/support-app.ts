import { synthesizeTestApp } from '../../../support/synth-app.js'
import { buildStreamsApp } from './fixtures/streams-stack.js'

/**
 * The streams app synthesized in this process into a fresh directory inside the project (so a function's
 * `require('@aws-sdk/client-dynamodb')` resolves from the project's node_modules, as the local runtime needs).
 */
export function synthesizeStreamsApp(): Promise<string> {
  return synthesizeTestApp('streams', buildStreamsApp)
}
