// POST /usage admits a body against the verification budget before parsing it, by counting its signature keys
// (src/ingest/usage/http-source.ts); a key the scan cannot see is counted by the admission after parsing.
import { describe, expect, it } from 'vitest'
import { countSignatureKeys } from '../../src/ingest/usage/http-source.js'

const record = (key = '"signature"') => `{"inferenceId":"0x01","node":"0x02",${key}:"0x${'ab'.repeat(65)}"}`

describe('the signature-key scan of a usage body', () => {
  it('counts one per record in a JSON array, NDJSON and a single object, whatever the spacing', () => {
    expect(countSignatureKeys(Buffer.from(`[${[record(), record(), record()].join(',')}]`))).toBe(3)
    expect(countSignatureKeys(Buffer.from(`${record()}\n${record('"signature" ')}\n`))).toBe(2)
    expect(countSignatureKeys(Buffer.from(record()))).toBe(1)
    expect(countSignatureKeys(Buffer.from(''))).toBe(0)
  })

  it('does not see a key written with escapes, which JSON still reads as the signature (hence the admission after parsing)', () => {
    const escaped = record('"sig\\u006eature"')
    expect(JSON.parse(escaped).signature).toMatch(/^0x/)
    expect(countSignatureKeys(Buffer.from(`[${escaped},${record()}]`))).toBe(1)
  })
})
