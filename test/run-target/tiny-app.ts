import { fileURLToPath } from 'node:url'
import { App, Stack } from 'aws-cdk-lib'
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'

/**
 * A small CDK app for the runner wiring's tests, synthesized in-process (no bundling, so it takes a moment): one
 * table (`Notes`) and one Node.js function (`Greeter`, from fixtures/greeter) whose environment names the table.
 * Returns the cloud assembly's folder. `stackName` tells two such apps apart.
 */
export function synthesizeTinyApp(outdir: string, stackName = 'Tiny'): string {
  const app = new App({ outdir })
  const stack = new Stack(app, stackName)
  const notes = new Table(stack, 'Notes', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
  })
  new LambdaFunction(stack, 'Greeter', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromAsset(fileURLToPath(new URL('./fixtures/greeter', import.meta.url))),
    environment: { NOTES_TABLE: notes.tableName },
  })
  return app.synth().directory
}
