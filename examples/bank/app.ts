/**
 * The bank's CDK app, run by `cdk.json` (`node --import tsx app.ts`): by the CDK CLI to synthesize or deploy it,
 * and by stakeout to bring it up on this machine for `npm run example`.
 */
import { App } from 'aws-cdk-lib'
import { BankStack } from './stack.js'

const app = new App()
new BankStack(app, 'Bank')
app.synth()
