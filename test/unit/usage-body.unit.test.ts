import { describe, expect, it } from 'vitest'
import { splitBody, splitJsonArray, splitLines, type SourceItem } from '../../src/ingest/usage/body.js'

const options = { maxRecordBytes: 1024, position: (index: number, line?: number) => (line ? `line ${line}` : `item ${index}`) }
const split = (body: string, ndjson = false) => splitBody(Buffer.from(body), ndjson, options)
const summary = (items: SourceItem[]) =>
  items.map((i) => ({ position: i.position, original: i.original.toString(), outcome: i.parsed.ok ? i.parsed.json : i.parsed.reason }))

describe('splitBody', () => {
  it('Given one object, then it is one item with the whole body as its original bytes', () => {
    expect(summary(split(' {"a":1}\n'))).toEqual([{ position: 'item 0', original: ' {"a":1}\n', outcome: { a: 1 } }])
  })

  it('Given a JSON array, then each element is an item with its exact source text, bad elements spoiling only themselves', () => {
    expect(summary(split('[{"a":"],}"}, 42 ,{"b":[1,{"c":2}]}, tru]'))).toEqual([
      { position: 'item 0', original: '{"a":"],}"}', outcome: { a: '],}' } },
      { position: 'item 1', original: '42', outcome: 42 },
      { position: 'item 2', original: '{"b":[1,{"c":2}]}', outcome: { b: [1, { c: 2 }] } },
      { position: 'item 3', original: 'tru', outcome: 'malformed-json' },
    ])
  })

  it('Given NDJSON without its content type, then each non-blank line is an item numbered by its line', () => {
    expect(summary(split('{"a":1}\r\n\n{"a":\n{"a":3}'))).toEqual([
      { position: 'line 1', original: '{"a":1}', outcome: { a: 1 } },
      { position: 'line 3', original: '{"a":', outcome: 'malformed-json' },
      { position: 'line 4', original: '{"a":3}', outcome: { a: 3 } },
    ])
  })

  it('Given the NDJSON content type, then even a single array line is one item', () => {
    expect(summary(split('[1,2]', true))).toEqual([{ position: 'line 1', original: '[1,2]', outcome: [1, 2] }])
  })

  it('Given a broken array or a single bad line, then the whole body is one malformed item', () => {
    expect(summary(split('[{"a":1}, {"b":2}'))).toMatchObject([{ original: '[{"a":1}, {"b":2}', outcome: 'malformed-json' }])
    expect(summary(split('{"a":'))).toMatchObject([{ outcome: 'malformed-json' }])
  })

  it('Given an empty body or an empty array, then there are no items', () => {
    expect(split('  \n')).toEqual([])
    expect(split('[ ]')).toEqual([])
  })

  it('Given a record over the record limit, then it is refused as record-too-large without parsing', () => {
    const big = `{"a":"${'x'.repeat(1100)}"}`
    expect(summary(split(`[${big},{"a":1}]`)).map((i) => i.outcome)).toEqual(['record-too-large', { a: 1 }])
    expect(summary(split(big)).map((i) => i.outcome)).toEqual(['record-too-large'])
  })
})

describe('splitJsonArray', () => {
  it.each([
    ['[1,,2]', ['1', '', '2']],
    ['[1,]', ['1', '']],
    ['["\\"]", 2]', ['"\\"]"', '2']],
    ['[1] [2]', undefined],
    ['[[1,2]', undefined],
  ])('Given %s, then the elements are %j', (text, expected) => {
    expect(splitJsonArray(text)).toEqual(expected)
  })
})

describe('splitLines', () => {
  it('Given a chunk starting at line 41, then positions continue the numbering', () => {
    const items = splitLines(Buffer.from('{"a":1}\n{"a":2}\n'), 41, options)
    expect(items.map((i) => i.position)).toEqual(['line 41', 'line 42'])
  })
})
