// bin/app.ts: the CDK app cdk.json runs, for `cdk deploy` and for stakeout's local target alike
import { App } from 'aws-cdk-lib'
import { SignUpStack } from '../lib/sign-up-stack.js'

const app = new App()
new SignUpStack(app, 'SignUpStack')
app.synth()
