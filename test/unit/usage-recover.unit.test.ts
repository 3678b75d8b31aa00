// The fast path of usage-record signatures (direct EIP-712 hash, native secp256k1 recovery) against viem's
// hashTypedData / recoverTypedDataAddress on random records and random, tampered, high-s and wrong-v signatures:
// it must accept exactly what viem accepts. fast-check prints the seed of a failing run (replay with `seed`).
import fc from 'fast-check'
import { hashTypedData, recoverTypedDataAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { MAX_ATTRIBUTIONS, usageHashing, usageSigningHash, usageTypedData, type UnsignedUsageRecord, type UsageRecord } from '../../src/domain/usage-record.js'
import { loadSignatureCrypto } from '../../src/ingest/usage/signature-crypto.js'
import { createSignatureVerifier } from '../../src/ingest/usage/verify.js'

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const UINT256_MAX = 2n ** 256n - 1n

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex)
// Small ids (the common case, written without BigInt) and the whole uint256 range.
const decimalId = fc.oneof(fc.nat({ max: 10 ** 15 }).map(String), fc.bigInt({ min: 0n, max: UINT256_MAX }).map(String))
const uint32 = fc.nat({ max: 2 ** 32 - 1 })

const unsignedRecord: fc.Arbitrary<UnsignedUsageRecord> = fc.record({
  inferenceId: hex(32),
  modelId: decimalId,
  agentId: decimalId,
  tokensIn: uint32,
  tokensOut: uint32,
  timestamp: fc.integer({ min: 1_577_836_800, max: Number.MAX_SAFE_INTEGER }),
  attributions: fc.uniqueArray(fc.record({ contributionId: decimalId, weight: uint32 }), { maxLength: 12, selector: (a) => a.contributionId }),
})

const domainArbitrary = fc.record({ chainId: fc.integer({ min: 1, max: 2 ** 31 }), nodeRegistry: hex(20) })
const privateKey = fc.bigInt({ min: 1n, max: SECP256K1_N - 1n }).map((k) => `0x${k.toString(16).padStart(64, '0')}` as Hex)

/** What is done to the good signature before it is checked. */
const tampering = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'high-s' as const }),
  fc.constant({ kind: 'v-as-parity' as const }),
  fc.record({ kind: fc.constant('v' as const), v: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('flip-bit' as const), bit: fc.nat({ max: 65 * 8 - 1 }) }),
  fc.record({ kind: fc.constant('random' as const), signature: hex(65) }),
  fc.record({ kind: fc.constant('r-or-s-out-of-range' as const), which: fc.constantFrom(0, 1), value: fc.constantFrom(0n, SECP256K1_N, SECP256K1_N + 1n, UINT256_MAX) }),
)

type Tampering = typeof tampering extends fc.Arbitrary<infer T> ? T : never

function tamper(signature: Hex, how: Tampering): Hex {
  const bytes = Buffer.from(signature.slice(2), 'hex')
  const word = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex')
  switch (how.kind) {
    case 'none':
      break
    case 'high-s': {
      // The same signature with s' = n - s and the other recovery bit: viem recovers the same key from it.
      bytes.set(word(SECP256K1_N - BigInt(`0x${bytes.subarray(32, 64).toString('hex')}`)), 32)
      bytes[64] = bytes[64] === 27 ? 28 : 27
      break
    }
    case 'v-as-parity':
      bytes[64] -= 27
      break
    case 'v':
      bytes[64] = how.v
      break
    case 'flip-bit':
      bytes[how.bit >> 3] ^= 1 << (how.bit & 7)
      break
    case 'random':
      return how.signature
    case 'r-or-s-out-of-range':
      bytes.set(word(how.value), how.which * 32)
      break
  }
  return `0x${bytes.toString('hex')}`
}

/** viem's verdict: the address it recovers, or undefined when it throws. */
async function viemRecover(domain: { chainId: number; nodeRegistry: Hex }, record: UnsignedUsageRecord, signature: Hex): Promise<string | undefined> {
  try {
    return (await recoverTypedDataAddress({ ...usageTypedData(domain.chainId, domain.nodeRegistry, record), signature })).toLowerCase()
  } catch {
    return undefined
  }
}

for (const [name, crypto] of [
  ['native addons', loadSignatureCrypto()],
  ['pure-JS fallback', loadSignatureCrypto({ forbidNative: true })],
] as const) {
  describe(`usage signatures, fast path on the ${name}`, () => {
    it('loads what it says it loads', () => {
      const expected = name === 'native addons'
      expect({ ...crypto.native, problems: crypto.problems }).toEqual(expected ? { keccak: true, secp256k1: true, problems: [] } : { keccak: false, secp256k1: false, problems: [] })
    })

    it('computes the signing hash viem computes, for any record and domain', () => {
      fc.assert(
        fc.property(unsignedRecord, domainArbitrary, (record, domain) => {
          const ours = Buffer.from(usageSigningHash(record, usageHashing(domain.chainId, domain.nodeRegistry, crypto.keccak256))).toString('hex')
          expect(`0x${ours}`).toBe(hashTypedData(usageTypedData(domain.chainId, domain.nodeRegistry, record)))
        }),
        { numRuns: 300 },
      )
    }, 60_000)

    it('accepts a signature exactly when viem recovers the record node from it (tampered, high-s, wrong v included)', async () => {
      await fc.assert(
        fc.asyncProperty(unsignedRecord, domainArbitrary, privateKey, tampering, async (record, domain, key, how) => {
          const account = privateKeyToAccount(key)
          const signature = tamper(await account.signTypedData(usageTypedData(domain.chainId, domain.nodeRegistry, record)), how)
          const recovered = await viemRecover(domain, record, signature)
          // The claimed node is what viem recovers when it recovers anything, so the fast path must recover the same.
          const node = recovered ?? account.address.toLowerCase()
          const signed: UsageRecord = { ...record, node, signature }
          const verdict = createSignatureVerifier(domain, crypto).verify(signed)
          expect({ how: how.kind, ok: verdict.ok }).toEqual({ how: how.kind, ok: recovered === node })
          if (how.kind === 'none' || how.kind === 'high-s' || how.kind === 'v-as-parity') expect(verdict.ok).toBe(true)
        }),
        { numRuns: 200 },
      )
    }, 120_000)

    it(`handles the largest record (${MAX_ATTRIBUTIONS} attributions) as viem does`, async () => {
      const account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
      const domain = { chainId: 1612, nodeRegistry: `0x${'ab'.repeat(20)}` as Hex }
      const record: UnsignedUsageRecord = {
        inferenceId: `0x${'cd'.repeat(32)}`,
        modelId: UINT256_MAX.toString(),
        agentId: '0',
        tokensIn: 2 ** 32 - 1,
        tokensOut: 0,
        timestamp: Number.MAX_SAFE_INTEGER,
        attributions: Array.from({ length: MAX_ATTRIBUTIONS }, (_, i) => ({ contributionId: String(10n ** 70n + BigInt(i)), weight: i })),
      }
      const signature = await account.signTypedData(usageTypedData(domain.chainId, domain.nodeRegistry, record))
      expect(createSignatureVerifier(domain, crypto).verify({ ...record, node: account.address.toLowerCase(), signature })).toEqual({ ok: true })
    })
  })
}
