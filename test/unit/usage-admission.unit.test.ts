import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createAdmission } from '../../src/ingest/usage/admission.js'
import { createPendingQuota } from '../../src/ingest/usage/pending-quota.js'

describe('the verification budget', () => {
  it('Given a client with records in verification, when more would pass its budget, then they are refused until it releases', () => {
    const admission = createAdmission({ total: 100, perClient: 50 })
    const first = admission.admit('a', 40)
    expect('release' in first).toBe(true)
    expect(admission.admit('a', 20)).toEqual({ refused: 'client' })
    // Another client has a budget of its own.
    expect('release' in admission.admit('b', 50)).toBe(true)
    if ('release' in first) first.release()
    expect('release' in admission.admit('a', 20)).toBe(true)
    expect(admission.inFlight()).toBe(70)
  })

  it('Given clients together at the overall budget, then a further request is refused as overall', () => {
    const admission = createAdmission({ total: 60, perClient: 50 })
    admission.admit('a', 30)
    admission.admit('b', 30)
    expect(admission.admit('c', 1)).toEqual({ refused: 'overall' })
  })

  it('Given a request larger than a budget, then it passes only when nothing else is in it', () => {
    const admission = createAdmission({ total: 100, perClient: 10 })
    const big = admission.admit('a', 500)
    expect('release' in big).toBe(true)
    expect(admission.admit('b', 1)).toEqual({ refused: 'overall' })
  })

  it('Given a check, then it tells the budget a request would overrun and admits nothing', () => {
    const admission = createAdmission({ total: 100, perClient: 50 })
    admission.admit('a', 40)
    expect(admission.check('a', 20)).toBe('client')
    expect(admission.check('b', 61)).toBe('overall')
    expect(admission.check('b', 50)).toBeUndefined()
    expect(admission.inFlight()).toBe(40)
  })
})

describe('the pending quota', () => {
  it('Given a node at its bound, then its next record is refused while another node still has room, and a release gives room back', () => {
    const quota = createPendingQuota({ perNode: 2, total: 3 })
    expect([quota.reserve('0xa'), quota.reserve('0xa')]).toEqual([undefined, undefined])
    expect(quota.reserve('0xa')).toMatch(/USAGE_PENDING_MAX_PER_NODE/)
    expect(quota.reserve('0xb')).toBeUndefined()
    expect(quota.reserve('0xc')).toMatch(/USAGE_PENDING_MAX\b/)
    quota.release('0xa')
    expect(quota.reserve('0xc')).toBeUndefined()
  })
})

describe('USAGE_NODE_TOKENS', () => {
  const node = `0x${'Ab'.repeat(20)}`
  it('Given node=token pairs, then each token maps to its lower-case node', () => {
    const { usage } = loadConfig({ USAGE_NODE_TOKENS: `${node}=node-token-0123456789, 0x${'11'.repeat(20)}=other-token-0123456789` })
    expect([...usage.nodeTokens]).toEqual([
      ['node-token-0123456789', node.toLowerCase()],
      ['other-token-0123456789', `0x${'11'.repeat(20)}`],
    ])
  })

  it.each([
    ['not an address', 'node=token-0123456789abcdef'],
    ['a short token', `${node}=short`],
    ['a shared token', `${node}=same-token-0123456789,0x${'11'.repeat(20)}=same-token-0123456789`],
  ])('Given %s, then loading fails naming the variable', (_name, value) => {
    expect(() => loadConfig({ USAGE_NODE_TOKENS: value })).toThrow(/USAGE_NODE_TOKENS/)
  })
})
