import { AwsServiceError } from '../json-protocol.js'

/**
 * The query-protocol code of each SQS error the SDK knows by another name (its `awsQueryError` trait): SQS's JSON
 * protocol answers `x-amzn-query-error: <code>;Sender`, and an SDK v3 client in query-compatible mode (SQS's) reads
 * that code first and finds the exception class by it (`AWS.SimpleQueueService.NonExistentQueue` → `QueueDoesNotExist`).
 * Read from @aws-sdk/client-sqs's error schemas.
 */
const QUERY_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  ReceiptHandleIsInvalid: 'ReceiptHandleIsInvalid',
  InvalidAddress: 'InvalidAddress',
  OverLimit: 'OverLimit',
}

/** HTTP statuses other than 400, from the same schemas. */
const STATUSES: Readonly<Record<string, number>> = {
  InvalidAddress: 404,
  ReceiptHandleIsInvalid: 404,
  OverLimit: 403,
  PurgeQueueInProgress: 403,
}

/**
 * An SQS error as SQS's JSON protocol answers it: `__type` the exception's name, `x-amzn-query-error` its query code,
 * so the SDK raises the exception class of that name (`QueueDoesNotExist`), or, for the common errors the API
 * reference lists without a class (`InvalidParameterValue`, `MissingParameter`), an `SQSServiceException` named so.
 *
 * @example
 * throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.')
 */
export function sqsError(code: string, message: string): AwsServiceError {
  const status = STATUSES[code] ?? 400
  return new AwsServiceError(code, message, status, { 'x-amzn-query-error': `${QUERY_CODES[code] ?? code};Sender` })
}

/**
 * The error of a queue URL, ARN or name no local queue has.
 *
 * @example
 * if (queue === undefined) throw noSuchQueue()
 */
export function noSuchQueue(): AwsServiceError {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.')
}
