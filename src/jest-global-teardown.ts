/**
 * stakeout/jest/global-teardown: Jest's `globalTeardown`, the pair of `stakeout/jest/global-setup`. It stops the
 * local app the setup brought up.
 *
 * @example
 * // jest.config.cjs
 * module.exports = { globalSetup: 'stakeout/jest/global-setup', globalTeardown: 'stakeout/jest/global-teardown' }
 * @packageDocumentation
 */
import { globalTeardown } from './jest-global-setup.js'

export default globalTeardown
