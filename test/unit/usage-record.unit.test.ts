import { describe, expect, it } from 'vitest'
import {
  normaliseUsageRecord,
  parseUsageRecord,
  usageRecordDigest,
  usageRecordEnvelope,
  type UsageRecord,
} from '../../src/domain/usage-record.js'
import { authorizeRecord } from '../../src/ingest/usage/authenticate.js'
import { loadSignatureCrypto } from '../../src/ingest/usage/signature-crypto.js'
import { createSignatureVerifier } from '../../src/ingest/usage/verify.js'
import { CHAIN_ID, NODE_REGISTRY, nodes, sign, unsigned } from '../fixtures/usage/records.js'

const clock = { nowSeconds: 1_800_000_000, maxFutureSkewSeconds: 300 }
const domain = { chainId: CHAIN_ID, nodeRegistry: NODE_REGISTRY }
const record = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  ...unsigned({ inferenceId: `0x${'ab'.repeat(32)}`, timestamp: clock.nowSeconds - 10 }),
  node: `0x${'11'.repeat(20)}`,
  signature: `0x${'22'.repeat(65)}`,
  ...overrides,
})

describe('parseUsageRecord', () => {
  it('Given a record in mixed-case hex, when parsed, then it comes back in lower-case normal form', () => {
    const parsed = parseUsageRecord(record({ inferenceId: `0x${'AB'.repeat(32)}`, node: `0x${'CD'.repeat(20)}` }), clock)
    expect(parsed.ok && parsed.record).toMatchObject({ inferenceId: `0x${'ab'.repeat(32)}`, node: `0x${'cd'.repeat(20)}` })
  })

  it.each([
    ['not an object', 7, 'not-an-object'],
    ['an unknown field', { ...record(), extra: 1 }, 'unknown-field'],
    ['a missing field', (({ agentId: _a, ...r }) => r)(record()), 'missing-field'],
    ['a missing weight', record({ attributions: [{ contributionId: '1' } as never] }), 'missing-field'],
    ['an unknown field in an attribution', record({ attributions: [{ contributionId: '1', weight: 1, bonus: 2 } as never] }), 'unknown-field'],
    ['an attribution that is not an object', record({ attributions: [5 as never] }), 'invalid-attributions'],
    ['agentId with a sign', record({ agentId: '+1' }), 'invalid-id'],
    ['a negative weight', record({ attributions: [{ contributionId: '1', weight: -2 }] }), 'invalid-weight'],
    ['tokensIn fractional', record({ tokensIn: 1.5 }), 'invalid-tokens'],
    ['a timestamp before 2020', record({ timestamp: 1_000_000_000 }), 'invalid-timestamp'],
    ['a timestamp beyond the allowed skew', record({ timestamp: clock.nowSeconds + 301 }), 'invalid-timestamp'],
    ['a duplicate contribution', record({ attributions: [{ contributionId: '3', weight: 1 }, { contributionId: '3', weight: 1 }] }), 'duplicate-attribution'],
    ['a 65-byte signature in upper-case 0X', record({ signature: `0X${'22'.repeat(65)}` }), 'malformed-signature'],
  ])('Given %s, when parsed, then it is refused as %s', (_name, input, reason) => {
    const parsed = parseUsageRecord(input, clock)
    expect(parsed.ok ? 'accepted' : parsed.reason).toBe(reason)
  })

  it('Given a timestamp exactly at the allowed skew, when parsed, then it is accepted', () => {
    expect(parseUsageRecord(record({ timestamp: clock.nowSeconds + 300 }), clock).ok).toBe(true)
  })
})

describe('usageRecordDigest', () => {
  it('Given the same content with another signature or hex case, then the digest is the same; other weights change it', () => {
    const base = record()
    expect(usageRecordDigest(record({ signature: `0x${'33'.repeat(65)}`, node: base.node.toUpperCase().replace('0X', '0x') }))).toBe(usageRecordDigest(base))
    expect(usageRecordDigest(record({ attributions: [{ contributionId: '1', weight: 701 }, { contributionId: '2', weight: 300 }] }))).not.toBe(usageRecordDigest(base))
  })
})

describe('usageRecordEnvelope', () => {
  it('Given a record, then the envelope is its inferenceId, UsageRecorded v1 from usage, at the record time', () => {
    const r = record({ timestamp: 1_800_000_000 })
    expect(usageRecordEnvelope(r)).toEqual({
      id: r.inferenceId,
      type: 'UsageRecorded',
      version: 1,
      source: 'usage',
      occurredAt: '2027-01-15T08:00:00.000Z',
      payload: normaliseUsageRecord(r),
    })
  })
})

describe('the signature verifier', () => {
  const verifier = createSignatureVerifier(domain, loadSignatureCrypto())
  it('Given a record signed by its node, then it verifies; altered, other chain or other signer, it does not', async () => {
    const signed = await sign(unsigned())
    expect(verifier.verify(signed)).toEqual({ ok: true })
    const otherChain = await sign(unsigned(), nodes.registered, { chainId: 1, nodeRegistry: NODE_REGISTRY })
    const impostor = { ...(await sign(unsigned(), nodes.impostor)), node: signed.node }
    const altered = { ...signed, tokensOut: signed.tokensOut + 1 }
    for (const bad of [otherChain, impostor, altered]) {
      expect(verifier.verify(bad)).toMatchObject({ ok: false, reason: 'bad-signature' })
    }
  })
})

describe('authorizeRecord', () => {
  const at = new Date(record().timestamp * 1000)
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000)
  const known = { modelKnown: true, agentKnown: true }

  it.each([
    ['registered before, never revoked', { node: { registeredAt: minutes(-5), revokedAt: null }, ...known }, { status: 'ready' }],
    ['registered exactly at the record time', { node: { registeredAt: at, revokedAt: null }, ...known }, { status: 'ready' }],
    ['revoked after the record', { node: { registeredAt: minutes(-5), revokedAt: minutes(1) }, ...known }, { status: 'ready' }],
    ['revoked exactly at the record time', { node: { registeredAt: minutes(-5), revokedAt: at }, ...known }, { status: 'rejected', reason: 'revoked-node' }],
    ['registered after the record', { node: { registeredAt: minutes(1), revokedAt: null }, ...known }, { status: 'rejected', reason: 'node-not-yet-registered' }],
    ['an unseen node and model', { modelKnown: false, agentKnown: true }, { status: 'pending', waitingFor: ['node', 'model'] }],
    ['an unseen agent', { node: { registeredAt: minutes(-5), revokedAt: null }, modelKnown: true, agentKnown: false }, { status: 'pending', waitingFor: ['agent'] }],
  ])('Given a node %s, then the record is judged accordingly', (_name, facts, expected) => {
    expect(authorizeRecord(record(), facts)).toMatchObject(expected)
  })
})
