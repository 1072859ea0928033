/**
 * Response streaming: the global `awslambda` (`streamifyResponse`, `HttpResponseStream`) as the
 * runtime defines it, and a response stream that collects what a streaming handler writes (the
 * Invoke API answers with the bytes).
 */
import { Writable } from 'node:stream'
import { HIGH_WATER_MARK, STREAM_RESPONSE, STREAMING } from '../../../runtime/interceptor/runtime-client.js'

const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response'

/** The stream a streaming handler writes to, with the runtime's extras. */
export interface ResponseStream extends Writable {
  setContentType(value: string): void
  /** Set by `HttpResponseStream.from`: writes the prelude before the first chunk. */
  beforeFirstWrite?: ((write: (data: string | Uint8Array) => void) => void) | undefined
}

// biome-ignore lint/complexity/noStaticOnlyClass: the runtime's awslambda.HttpResponseStream is a class, and code may test it with instanceof
class HttpResponseStream {
  static from(underlyingStream: ResponseStream, prelude: unknown): ResponseStream {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE)
    const metadata = JSON.stringify(prelude)
    underlyingStream.beforeFirstWrite = (write) => {
      write(metadata)
      write(new Uint8Array(8))
    }
    return underlyingStream
  }
}

/** Defines `globalThis.awslambda`, unless `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` says not to. */
export function defineAwsLambdaGlobal(env: NodeJS.ProcessEnv): void {
  const disabled = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA
  if (disabled === '1' || disabled === 'true') return
  const global = globalThis as { awslambda?: Record<string, unknown> }
  global.awslambda = {
    ...global.awslambda,
    streamifyResponse(handler: Record<symbol, unknown>, options?: { highWaterMark?: unknown }) {
      handler[STREAMING] = STREAM_RESPONSE
      if (options && typeof options.highWaterMark === 'number') {
        handler[HIGH_WATER_MARK] = Number.parseInt(String(options.highWaterMark), 10)
      }
      return handler
    },
    HttpResponseStream,
  }
}

/** A response stream, and what the Invoke API answers once it has finished. */
export function createResponseStream(): { stream: ResponseStream; payload: () => unknown } {
  const chunks: Buffer[] = []
  let contentType = 'application/octet-stream'
  const stream = new Writable({
    write(chunk: Uint8Array | string, _encoding, callback) {
      if (stream.beforeFirstWrite) {
        const before = stream.beforeFirstWrite
        stream.beforeFirstWrite = undefined
        before((data) => chunks.push(Buffer.from(data)))
      }
      chunks.push(Buffer.from(chunk))
      callback()
    },
  }) as ResponseStream
  stream.setContentType = (value) => {
    contentType = value
  }
  const payload = () => {
    const bytes = Buffer.concat(chunks)
    if (contentType !== HTTP_INTEGRATION_CONTENT_TYPE) return bytes.toString('utf8')
    const separator = bytes.indexOf(Buffer.alloc(8))
    const prelude = separator < 0 ? {} : JSON.parse(bytes.subarray(0, separator).toString('utf8') || '{}')
    const body = separator < 0 ? bytes : bytes.subarray(separator + 8)
    return { ...prelude, body: body.toString('utf8') }
  }
  return { stream, payload }
}
