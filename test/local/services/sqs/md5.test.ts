import { describe, expect, it } from 'vitest'
import { md5OfAttributes, md5OfBody } from '../../../../src/local/services/sqs/md5.js'

// The SDK checks only the body's MD5; the attributes' digest is checked here against published values (those of the
// aws-md5-of-message-attributes package's README, computed by SQS), each attribute kind and their sorted whole.
const string = { attribName1: { DataType: 'String', StringValue: 'attribValue 1' } }
const number = {
  customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' },
}
const binary = {
  binaryAttribute: { DataType: 'Binary', BinaryValue: Buffer.from('Hello binary world!').toString('base64') },
}

describe('the MD5s SQS answers with', () => {
  it('digests the body as UTF-8', () => {
    expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592')
    expect(md5OfBody('The quick brown fox jumps over the lazy dog')).toBe('9e107d9d372bb6826bd81d3542a419d6')
  })

  it('digests a String, a custom Number and a Binary attribute as the Developer Guide spells it', () => {
    expect(md5OfAttributes(string)).toBe('19e27d4e946b072f3f58da80d94fd778')
    expect(md5OfAttributes(number)).toBe('9fe1b90bbd9965bdf77bac517c7d2495')
    expect(md5OfAttributes(binary)).toBe('31a92b15d92f8db860eda32aceb656c3')
  })

  it('digests several attributes sorted by name, whatever order they were given in', () => {
    expect(md5OfAttributes({ ...binary, ...number, ...string })).toBe('c932db14a896c663f83c260297d594ff')
    expect(md5OfAttributes({ ...string, ...number, ...binary })).toBe('c932db14a896c663f83c260297d594ff')
  })

  it('gives none without attributes, as SQS leaves the field out', () => {
    expect(md5OfAttributes({})).toBeUndefined()
    expect(md5OfAttributes(undefined)).toBeUndefined()
  })
})
