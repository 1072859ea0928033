import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { StakeoutError } from '../src/errors.js'

/** The interceptor layer bundled with stakeout, as a `lambda.Code` asset. */
export function defaultLayerCode(): lambda.Code {
  throw new StakeoutError('HttpInterceptor: the bundled layer is not wired yet: pass props.layerCode')
}
