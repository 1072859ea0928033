import { createHash } from 'node:crypto'

/** A message attribute as SendMessage takes it (`BinaryValue` base64, as the JSON protocol carries blobs). */
export interface MessageAttributeValue {
  readonly DataType: string
  readonly StringValue?: string
  readonly BinaryValue?: string
}

/**
 * `MD5OfMessageBody`: the MD5 of the body's UTF-8 bytes, in hex (the SDK checks it on every send and receive).
 *
 * @example
 * md5OfBody('hello') // '5d41402abc4b2a76b9719d911017c592'
 */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex')
}

/**
 * `MD5OfMessageAttributes` (and `MD5OfMessageSystemAttributes`), as the SQS Developer Guide ("Calculating the MD5
 * message digest for message attributes") spells it: the attributes sorted by name; for each, its name, its data
 * type, then one transport byte (1 for String and Number types, 2 for Binary ones) and its value, every part but the
 * transport byte preceded by its length as 4 bytes big-endian; the MD5 of the whole in hex. `undefined` without
 * attributes, as SQS leaves the field out.
 *
 * @example
 * md5OfAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } })
 */
export function md5OfAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): string | undefined {
  const names = Object.keys(attributes ?? {})
  if (attributes === undefined || names.length === 0) return undefined
  const hash = createHash('md5')
  const part = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hash.update(length).update(bytes)
  }
  // Sorted by code unit, as Java's String.compareTo (SQS's own) and the SDKs' implementations sort.
  for (const name of names.sort()) {
    const attribute = attributes[name] as MessageAttributeValue
    part(Buffer.from(name, 'utf8'))
    part(Buffer.from(attribute.DataType, 'utf8'))
    if (isBinaryType(attribute.DataType)) {
      hash.update(Buffer.from([2]))
      part(Buffer.from(attribute.BinaryValue ?? '', 'base64'))
    } else {
      hash.update(Buffer.from([1]))
      part(Buffer.from(attribute.StringValue ?? '', 'utf8'))
    }
  }
  return hash.digest('hex')
}

/**
 * `Binary` and its custom forms (`Binary.gif`): the types whose value is `BinaryValue`, transport byte 2.
 *
 * @example
 * isBinaryType('Binary.gif') // true
 */
export function isBinaryType(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.')
}
