import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { usageHashing, usageSigningHash, type UsageRecord } from '../../domain/usage-record.js'
import type { SigningDomain, Verdict } from './authenticate.js'
import { usageMetrics } from './metrics.js'
import type { SignatureCrypto } from './signature-crypto.js'

/**
 * The fast path of signature checking: the EIP-712 hash computed directly and the signer recovered with
 * secp256k1 (native when it loads), accepting exactly what viem's recoverTypedDataAddress accepts (a property
 * test holds the two together): a 65-byte r ‖ s ‖ v signature with v in {0, 1, 27, 28}, r and s in [1, n-1]
 * (high s included, as viem recovers it), recovering to the record's node.
 */
export interface SignatureVerifier {
  verify(record: UsageRecord): Verdict
  /** Verifies many, yielding to the event loop between slices so one large body cannot hold up other requests. */
  verifyAll(records: UsageRecord[]): Promise<Verdict[]>
}

/** Records verified between two yields to the event loop: a few milliseconds of CPU. */
const SLICE = 64

export function createSignatureVerifier(domain: SigningDomain, crypto: SignatureCrypto): SignatureVerifier {
  const hashing = usageHashing(domain.chainId, domain.nodeRegistry, crypto.keccak256)

  function verify(record: UsageRecord): Verdict {
    const signature = Buffer.from(record.signature.slice(2), 'hex')
    const recoveryBit = recoveryBitOf(signature[64])
    if (recoveryBit === undefined) return { ok: false, reason: 'bad-signature', detail: `signature does not recover: v is ${signature[64]}, not 0, 1, 27 or 28` }
    usageMetrics.recoveries.inc()
    const publicKey = crypto.recoverPublicKey(signature.subarray(0, 64), recoveryBit, usageSigningHash(record, hashing))
    if (!publicKey) return { ok: false, reason: 'bad-signature', detail: 'signature does not recover: no public key signed this record with it' }
    const signer = `0x${Buffer.from(crypto.keccak256(publicKey.subarray(1))).subarray(12).toString('hex')}`
    if (signer !== record.node.toLowerCase()) {
      // Also what a signature for another chain or registry looks like: it recovers to some other address.
      return { ok: false, reason: 'bad-signature', detail: `signature recovers to ${signer}, not to the record's node ${record.node}` }
    }
    return { ok: true }
  }

  return {
    verify,
    async verifyAll(records) {
      const verdicts: Verdict[] = []
      for (let start = 0; start < records.length; start += SLICE) {
        if (start > 0) await yieldToEventLoop()
        for (const record of records.slice(start, start + SLICE)) verdicts.push(verify(record))
      }
      return verdicts
    },
  }
}

function recoveryBitOf(v: number): number | undefined {
  if (v === 0 || v === 1) return v
  if (v === 27 || v === 28) return v - 27
  return undefined
}
