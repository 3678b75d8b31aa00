import { describe, expect, it } from 'vitest'
import { parseChainEvent } from '../../src/domain/chain-events.js'
import { chainEventId, decodeEnvelope, encodeEnvelope, type Envelope } from '../../src/domain/envelope.js'

const datanetCreated: Envelope = {
  id: chainEventId(31337, '0x' + 'ab'.repeat(32), 7),
  type: 'DatanetCreated',
  version: 1,
  source: 'chain',
  chainId: 31337,
  block: { number: 12, hash: '0x' + 'ab'.repeat(32) },
  txHash: '0x' + 'cd'.repeat(32),
  logIndex: 7,
  occurredAt: '2026-11-25T10:00:00.000Z',
  payload: { datanetId: '1', owner: '0x' + '11'.repeat(20), metadataURI: 'ipfs://x' },
}

describe('the event envelope', () => {
  it('gives a chain event the id chainId:blockHash:logIndex', () => {
    expect(datanetCreated.id).toBe(`31337:0x${'ab'.repeat(32)}:7`)
  })

  it('round-trips through its wire form unchanged', () => {
    const decoded = decodeEnvelope(encodeEnvelope(datanetCreated))
    expect(decoded).toEqual({ ok: true, value: datanetCreated })
  })

  it.each([
    ['not JSON', Buffer.from('{"id":'), 'malformed-json'],
    ['no value', null, 'empty-record'],
    ['a missing id', Buffer.from(JSON.stringify({ ...datanetCreated, id: undefined })), 'invalid-envelope'],
    ['an unknown source', Buffer.from(JSON.stringify({ ...datanetCreated, source: 'mail' })), 'invalid-envelope'],
    ['a fractional version', Buffer.from(JSON.stringify({ ...datanetCreated, version: 1.5 })), 'invalid-envelope'],
    ['a non-ISO time', Buffer.from(JSON.stringify({ ...datanetCreated, occurredAt: 'yesterday' })), 'invalid-envelope'],
  ])('refuses a record with %s, saying why', (_, bytes, reason) => {
    const decoded = decodeEnvelope(bytes)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.reason).toBe(reason)
  })
})

describe('chain event payloads', () => {
  it('accepts a well-formed DatanetCreated', () => {
    expect(parseChainEvent(datanetCreated).ok).toBe(true)
  })

  it.each([
    ['an amount that is a float', 'ContributionSubmitted', { datanetId: '1', contributionId: '2', contributor: '0x' + '11'.repeat(20), contentHash: '0x' + '00'.repeat(32), stake: '1.5' }],
    ['an amount with a leading zero', 'ContributionSubmitted', { datanetId: '1', contributionId: '2', contributor: '0x' + '11'.repeat(20), contentHash: '0x' + '00'.repeat(32), stake: '01' }],
    ['a checksummed (mixed-case) address', 'DatanetCreated', { datanetId: '1', owner: '0xAbCd' + '11'.repeat(18), metadataURI: '' }],
    ['basis points over 10000', 'FeeSplitSet', { modelId: '1', modelBps: 10001, stakersBps: 0, dataBps: 0 }],
  ])('refuses %s as an invalid payload', (_, type, payload) => {
    const parsed = parseChainEvent({ ...datanetCreated, type, payload })
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason).toBe('invalid-payload')
  })

  it('refuses an event type it does not know', () => {
    const parsed = parseChainEvent({ ...datanetCreated, type: 'ModelDeleted' })
    expect(parsed).toMatchObject({ ok: false, reason: 'unknown-event-type' })
  })
})
