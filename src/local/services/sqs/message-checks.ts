import { sqsError } from './errors.js'
import { isBinaryType, type MessageAttributeValue } from './md5.js'

/** A message SendMessage (or an entry of SendMessageBatch) carries, checked. */
export interface CheckedMessage {
  readonly body: string
  readonly messageAttributes: Record<string, MessageAttributeValue>
  readonly systemAttributes: Record<string, MessageAttributeValue>
  readonly delaySeconds: number | undefined
  /** Body and attribute bytes, as SQS counts a message against MaximumMessageSize. */
  readonly size: number
}

/** What one SendMessage or SendMessageBatch entry may hold on a standard queue. */
const SEND_FIELDS = new Set([
  'QueueUrl',
  'Id',
  'MessageBody',
  'DelaySeconds',
  'MessageAttributes',
  'MessageSystemAttributes',
  'MessageGroupId',
])

// The characters SQS accepts in a body and in string attribute values (SQS Developer Guide, "Amazon SQS message
// quotas": #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF). The API reference's newer
// wording says SQS replaces others with U+FFFD; the quota page says they are rejected: rejecting is the reading
// that cannot hide a bug, so the local endpoint rejects them, naming the character.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const INVALID_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/
const MAX_ATTRIBUTES = 10

/**
 * Checks a message as SendMessage does and measures it.
 *
 * @param maximumMessageSize the queue's MaximumMessageSize
 * @throws {AwsServiceError} the message is one SQS refuses (MissingParameter, InvalidMessageContents,
 * InvalidParameterValue, UnsupportedOperation), with SQS's wording where it is known
 * @example
 * const { body, messageAttributes, size } = checkMessage(input, queue.settings.maximumMessageSize)
 */
export function checkMessage(input: Record<string, unknown>, maximumMessageSize: number): CheckedMessage {
  for (const key of Object.keys(input)) {
    if (key === 'MessageDeduplicationId') {
      throw sqsError(
        'InvalidParameterValue',
        'The request include parameter that is not valid for this queue type: MessageDeduplicationId is for FIFO queues.',
      )
    }
    if (!SEND_FIELDS.has(key)) {
      throw sqsError('UnsupportedOperation', `The local SQS does not implement the SendMessage parameter ${key}.`)
    }
  }
  const body = input.MessageBody
  if (body === undefined || body === null) {
    throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.')
  }
  if (typeof body !== 'string') throw sqsError('InvalidParameterValue', 'MessageBody must be a string.')
  if (body === '') {
    throw sqsError('InvalidParameterValue', 'The request must contain a MessageBody of at least one character.')
  }
  checkCharacters(body, 'the message body')
  const delaySeconds = input.DelaySeconds
  if (
    delaySeconds !== undefined &&
    (!Number.isInteger(delaySeconds) || (delaySeconds as number) < 0 || (delaySeconds as number) > 900)
  ) {
    throw sqsError(
      'InvalidParameterValue',
      `Value ${String(delaySeconds)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900 seconds.`,
    )
  }
  const messageAttributes = checkAttributes(input.MessageAttributes, 'MessageAttributes')
  const systemAttributes = checkAttributes(input.MessageSystemAttributes, 'MessageSystemAttributes')
  for (const name of Object.keys(systemAttributes)) {
    if (name !== 'AWSTraceHeader') {
      throw sqsError(
        'InvalidParameterValue',
        `Message system attribute name '${name}' is invalid: the only one is AWSTraceHeader.`,
      )
    }
    if (systemAttributes[name]?.DataType !== 'String') {
      throw sqsError('InvalidParameterValue', 'The message system attribute AWSTraceHeader must be of type String.')
    }
  }
  if (input.MessageGroupId !== undefined) {
    throw sqsError(
      'UnsupportedOperation',
      'The local SQS does not implement MessageGroupId (fair queues and FIFO queues); send without it.',
    )
  }
  const size = Buffer.byteLength(body, 'utf8') + attributesSize(messageAttributes)
  if (size > maximumMessageSize) {
    throw sqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    )
  }
  return {
    body,
    messageAttributes,
    systemAttributes,
    delaySeconds: delaySeconds as number | undefined,
    size,
  }
}

/** The bytes attributes count for: each name, data type and value. */
function attributesSize(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let size = 0
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType, 'utf8')
    size += isBinaryType(attribute.DataType)
      ? Buffer.from(attribute.BinaryValue ?? '', 'base64').length
      : Buffer.byteLength(attribute.StringValue ?? '', 'utf8')
  }
  return size
}

function checkAttributes(value: unknown, parameter: string): Record<string, MessageAttributeValue> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw sqsError('InvalidParameterValue', `${parameter} must be a map of attribute name to value.`)
  }
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length > MAX_ATTRIBUTES) {
    throw sqsError(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    )
  }
  const checked: Record<string, MessageAttributeValue> = {}
  for (const [name, attribute] of entries) {
    checkAttributeName(name)
    if (attribute === null || typeof attribute !== 'object') {
      throw sqsError('InvalidParameterValue', `The message attribute '${name}' must have a DataType and a value.`)
    }
    const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues, ...rest } = attribute as Record<
      string,
      unknown
    >
    if (StringListValues !== undefined || BinaryListValues !== undefined || Object.keys(rest).length > 0) {
      const field =
        StringListValues !== undefined
          ? 'StringListValues'
          : BinaryListValues !== undefined
            ? 'BinaryListValues'
            : Object.keys(rest)[0]
      throw sqsError(
        'UnsupportedOperation',
        `The message attribute '${name}' uses ${field}, which SQS does not support.`,
      )
    }
    if (typeof DataType !== 'string' || DataType === '') {
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty attribute type.`,
      )
    }
    if (!DATA_TYPE.test(DataType) || DataType.length > 256) {
      throw sqsError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      )
    }
    if (isBinaryType(DataType)) {
      if (typeof BinaryValue !== 'string' || BinaryValue === '' || StringValue !== undefined) {
        throw sqsError(
          'InvalidParameterValue',
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        )
      }
      checked[name] = { DataType, BinaryValue }
      continue
    }
    if (typeof StringValue !== 'string' || StringValue === '' || BinaryValue !== undefined) {
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${DataType.split('.')[0]}'.`,
      )
    }
    checkCharacters(StringValue, `the message attribute '${name}'`)
    if (DataType.startsWith('Number') && !isSqsNumber(StringValue)) {
      throw sqsError('InvalidParameterValue', `Can't cast the value of message (user) attribute '${name}' to a number.`)
    }
    checked[name] = { DataType, StringValue }
  }
  return checked
}

function checkAttributeName(name: string): void {
  const lower = name.toLowerCase()
  if (
    !ATTRIBUTE_NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw sqsError(
      'InvalidParameterValue',
      `Message (user) attribute name '${name}' is invalid: up to 256 of A-Z, a-z, 0-9, '_', '-' and '.', ` +
        "not starting or ending with '.', no '..', not starting with 'AWS.' or 'Amazon.'.",
    )
  }
}

/** A Number attribute: up to 38 digits of precision, between 10^-128 and 10^+126 (the Developer Guide's range). */
function isSqsNumber(value: string): boolean {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.trim())
  if (match === null || `${match[1]}${match[2] ?? ''}` === '') return false
  const digits = `${match[1]}${match[2] ?? ''}`.replace(/^0+/, '').replace(/0+$/, '')
  if (digits.length > 38) return false
  const number = Number(value)
  return Number.isFinite(number) && (number === 0 || (Math.abs(number) >= 1e-128 && Math.abs(number) <= 1e126))
}

function checkCharacters(text: string, where: string): void {
  const bad = INVALID_CHARACTER.exec(text)
  if (bad !== null) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase()
    throw sqsError(
      'InvalidMessageContents',
      `Invalid binary character '#x${code}' was found in ${where}, the set of allowed characters is ` +
        '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    )
  }
}
