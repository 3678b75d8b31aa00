import { createRequire } from 'node:module'
import path from 'node:path'
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 as nobleKeccak256 } from '@noble/hashes/sha3'
import type { Keccak256 } from '../../domain/usage-record.js'

/**
 * The cryptography of usage records: keccak-256 and secp256k1 public-key recovery, from the native addons that
 * the `keccak` and `secp256k1` packages ship prebuilt (npm skips install scripts here, so nothing is compiled on
 * install), or from the pure-JS @noble implementations viem itself uses when an addon cannot be loaded. The
 * packages' own entry points fall back to JS silently; this module loads their bindings directly, so a fallback
 * is known and reported (a warning at start, `attrib_usage_native_crypto` on /metrics): it costs about 25x the
 * CPU per record.
 */
export interface SignatureCrypto {
  keccak256: Keccak256
  /** The uncompressed public key (65 bytes, 0x04 ‖ x ‖ y) that signed `hash`, or undefined if none does. */
  recoverPublicKey(compact: Uint8Array, recoveryBit: number, hash: Uint8Array): Uint8Array | undefined
  native: { keccak: boolean; secp256k1: boolean }
  /** Why an addon could not be loaded, when one could not. */
  problems: string[]
}

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recoveryBit: number, hash: Uint8Array, compressed: boolean): Uint8Array
}

interface NativeKeccakState {
  initialize(rate: number, capacity: number): void
  absorb(data: Uint8Array): void
  absorbLastFewBits(bits: number): void
  squeeze(length: number): Uint8Array
}

const require = createRequire(import.meta.url)
// Keccak-256: rate 1088 bits, capacity 512, the original (pre-SHA-3) padding 0x01.
const KECCAK_RATE = 1088
const KECCAK_CAPACITY = 512
const KECCAK_PADDING = 0x01

function loadNativeKeccak(): Keccak256 {
  const loadAddon = require('node-gyp-build') as (dir: string) => unknown
  const State = loadAddon(path.dirname(require.resolve('keccak/package.json'))) as new () => NativeKeccakState
  if (typeof State !== 'function') throw new Error('the keccak addon did not load as a constructor')
  // The addon's state object directly: the package's API wraps it in a stream per hash, which costs more than the hash.
  const state = new State()
  return (data) => {
    state.initialize(KECCAK_RATE, KECCAK_CAPACITY)
    state.absorb(data)
    state.absorbLastFewBits(KECCAK_PADDING)
    return state.squeeze(32)
  }
}

function loadNativeSecp256k1(): NativeSecp256k1 {
  // `secp256k1/bindings.js` is the addon alone; the package's index would fall back to elliptic.js silently.
  return require('secp256k1/bindings.js') as NativeSecp256k1
}

const nobleKeccak: Keccak256 = (data) => nobleKeccak256(data)

function nobleRecover(compact: Uint8Array, recoveryBit: number, hash: Uint8Array): Uint8Array | undefined {
  try {
    return nobleSecp256k1.Signature.fromCompact(compact).addRecoveryBit(recoveryBit).recoverPublicKey(hash).toRawBytes(false)
  } catch {
    return undefined
  }
}

export function loadSignatureCrypto(options: { forbidNative?: boolean } = {}): SignatureCrypto {
  const problems: string[] = []
  let keccak256 = nobleKeccak
  let recoverPublicKey = nobleRecover
  const native = { keccak: false, secp256k1: false }
  if (!options.forbidNative) {
    try {
      keccak256 = loadNativeKeccak()
      native.keccak = true
    } catch (err) {
      problems.push(`keccak addon: ${(err as Error).message}`)
    }
    try {
      const addon = loadNativeSecp256k1()
      recoverPublicKey = (compact, recoveryBit, hash) => {
        try {
          return addon.ecdsaRecover(compact, recoveryBit, hash, false)
        } catch {
          return undefined // unparsable (r or s out of range) or no key recovers
        }
      }
      native.secp256k1 = true
    } catch (err) {
      problems.push(`secp256k1 addon: ${(err as Error).message}`)
    }
  }
  return { keccak256, recoverPublicKey, native, problems }
}
