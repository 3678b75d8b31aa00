import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Envelope } from './envelope.js'

/**
 * Off-chain usage records (docs/events.md, "Usage records"): one JSON object per inference, signed with EIP-712 by a
 * registered inference node. This module holds the wire schema, the typed data, the normal form a record
 * travels in on the log, the machine-readable reasons a record is refused, and the EIP-712 signing hash computed
 * directly (the ingester's fast path; property-tested against viem's hashTypedData). Signing and recovery are
 * done by the callers (ingest/usage, the workload generator).
 */
const UINT32_MAX = 2 ** 32 - 1
export const MAX_ATTRIBUTIONS = 256
/** 2020-01-01: a timestamp before this is a unit mistake (milliseconds vs seconds, or zero), not a record. */
const EARLIEST_TIMESTAMP = 1_577_836_800

const decimalUint = (max: bigint, what: string) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, `${what} must be a decimal string without leading zeros`)
    .refine((s) => s.length <= 78 && BigInt(s) <= max, `${what} is out of range`)

const UINT256_MAX = 2n ** 256n - 1n

export const attributionSchema = z.strictObject({
  contributionId: decimalUint(UINT256_MAX, 'contributionId'),
  weight: z.number().int('weight must be an integer').min(0, 'weight must not be negative').max(UINT32_MAX, 'weight exceeds uint32'),
})

const attributionsSchema = z
  .array(attributionSchema)
  .max(MAX_ATTRIBUTIONS, `at most ${MAX_ATTRIBUTIONS} attributions`)
  .superRefine((attributions, ctx) => {
    // Two weights for one contribution would make its share ambiguous.
    const seen = new Set<string>()
    for (const [index, { contributionId }] of attributions.entries()) {
      if (seen.has(contributionId)) {
        ctx.addIssue({ code: 'custom', path: [index, 'contributionId'], message: `contribution ${contributionId} is attributed twice`, params: { duplicate: true } })
      }
      seen.add(contributionId)
    }
  })

const unsignedFields = {
  inferenceId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'inferenceId must be 0x and 32 bytes of hex'),
  modelId: decimalUint(UINT256_MAX, 'modelId'),
  agentId: decimalUint(UINT256_MAX, 'agentId'),
  tokensIn: z.number().int().min(0).max(UINT32_MAX),
  tokensOut: z.number().int().min(0).max(UINT32_MAX),
  /** Seconds since the Unix epoch (uint64 in the signed data; `int` here also means at most 2^53). */
  timestamp: z.number().int().min(EARLIEST_TIMESTAMP, 'timestamp is before 2020: seconds expected'),
  attributions: attributionsSchema,
}

export const usageRecordSchema = z.strictObject({
  ...unsignedFields,
  node: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'node must be an address'),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'signature must be 65 bytes of hex'),
})

/** What a node operator hands to the signer (`attrib usage send`): a record without node and signature. */
export const unsignedUsageRecordSchema = z.strictObject(unsignedFields)

export type UsageRecord = z.infer<typeof usageRecordSchema>
export type UnsignedUsageRecord = Omit<UsageRecord, 'node' | 'signature'>

export const USAGE_DOMAIN_NAME = 'AttributionUsage'
export const USAGE_DOMAIN_VERSION = '1'

export const usageTypes = {
  UsageRecord: [
    { name: 'inferenceId', type: 'bytes32' },
    { name: 'modelId', type: 'uint256' },
    { name: 'agentId', type: 'uint256' },
    { name: 'tokensIn', type: 'uint32' },
    { name: 'tokensOut', type: 'uint32' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'attributions', type: 'Attribution[]' },
  ],
  Attribution: [
    { name: 'contributionId', type: 'uint256' },
    { name: 'weight', type: 'uint32' },
  ],
} as const

/** The EIP-712 domain: the chain and the inference node registry the signing node is registered in. */
export function usageDomain(chainId: number, nodeRegistry: `0x${string}`) {
  return {
    name: USAGE_DOMAIN_NAME,
    version: USAGE_DOMAIN_VERSION,
    chainId,
    verifyingContract: nodeRegistry,
  } as const
}

/** The typed-data message of a record, as viem's signTypedData / recoverTypedDataAddress take it. */
export function usageMessage(record: UnsignedUsageRecord) {
  return {
    inferenceId: record.inferenceId.toLowerCase() as `0x${string}`,
    modelId: BigInt(record.modelId),
    agentId: BigInt(record.agentId),
    tokensIn: record.tokensIn,
    tokensOut: record.tokensOut,
    timestamp: BigInt(record.timestamp),
    attributions: record.attributions.map((a) => ({ contributionId: BigInt(a.contributionId), weight: a.weight })),
  }
}

export function usageTypedData(chainId: number, nodeRegistry: `0x${string}`, record: UnsignedUsageRecord) {
  return {
    domain: usageDomain(chainId, nodeRegistry),
    types: usageTypes,
    primaryType: 'UsageRecord' as const,
    message: usageMessage(record),
  }
}

// ---- Validation: wire JSON → a normalised record, or a machine-readable reason ----

export type UsageRejection = { ok: false; reason: string; detail: string }
export type UsageParseResult = { ok: true; record: UsageRecord } | UsageRejection

/** The field a schema issue is about → the reason a record is refused for it. */
const REASON_BY_FIELD: Record<string, string> = {
  inferenceId: 'invalid-inference-id',
  modelId: 'invalid-id',
  agentId: 'invalid-id',
  contributionId: 'invalid-id',
  tokensIn: 'invalid-tokens',
  tokensOut: 'invalid-tokens',
  timestamp: 'invalid-timestamp',
  weight: 'invalid-weight',
  attributions: 'invalid-attributions',
  node: 'invalid-node',
  signature: 'malformed-signature',
}

/**
 * Validates a parsed JSON value as a usage record and puts it in normal form (lower-case hex). `nowSeconds` is
 * the receiving side's clock: a record from further than `maxFutureSkewSeconds` in the future is refused, since
 * its time decides which node registration it is judged against.
 */
export function parseUsageRecord(json: unknown, clock: { nowSeconds: number; maxFutureSkewSeconds: number }): UsageParseResult {
  const parsed = usageRecordSchema.safeParse(json)
  if (!parsed.success) {
    return { ok: false, reason: reasonOf(json, parsed.error.issues[0]), detail: z.prettifyError(parsed.error) }
  }
  const record = normaliseUsageRecord(parsed.data)
  if (record.timestamp > clock.nowSeconds + clock.maxFutureSkewSeconds) {
    return {
      ok: false,
      reason: 'invalid-timestamp',
      detail: `timestamp ${record.timestamp} is ${record.timestamp - clock.nowSeconds} s in the future (at most ${clock.maxFutureSkewSeconds} s allowed)`,
    }
  }
  return { ok: true, record }
}

function reasonOf(json: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path
  if (issue.code === 'unrecognized_keys') return 'unknown-field'
  if (path.length === 0) return 'not-an-object'
  if (issue.code === 'custom' && (issue as { params?: { duplicate?: boolean } }).params?.duplicate) return 'duplicate-attribution'
  if (issue.code === 'too_big' && path.length === 1 && path[0] === 'attributions') return 'too-many-attributions'
  if (isMissing(json, path)) return 'missing-field'
  const field = [...path].reverse().find((p) => typeof p === 'string')
  return (typeof field === 'string' && REASON_BY_FIELD[field]) || 'invalid-record'
}

/** True when the issue is about a key absent from its (present) parent object. */
function isMissing(json: unknown, path: PropertyKey[]): boolean {
  let parent: unknown = json
  for (const key of path.slice(0, -1)) {
    if (parent == null || typeof parent !== 'object') return false
    parent = (parent as Record<PropertyKey, unknown>)[key]
  }
  return parent != null && typeof parent === 'object' && !Array.isArray(parent) && !(path[path.length - 1] in parent)
}

/** Lower-case hex everywhere, fields in schema order: the form a record takes on the log. */
export function normaliseUsageRecord(record: UsageRecord): UsageRecord {
  return {
    inferenceId: record.inferenceId.toLowerCase(),
    modelId: record.modelId,
    agentId: record.agentId,
    tokensIn: record.tokensIn,
    tokensOut: record.tokensOut,
    timestamp: record.timestamp,
    attributions: record.attributions.map((a) => ({ contributionId: a.contributionId, weight: a.weight })),
    node: record.node.toLowerCase(),
    signature: record.signature.toLowerCase(),
  }
}

/**
 * A digest of what a record says (everything but the signature), to tell an identical re-submission from a
 * conflicting one with the same inferenceId. The signature is left out because ECDSA signatures are
 * malleable: the same signed content can come with two valid signatures.
 */
export function usageRecordDigest(record: UsageRecord): string {
  const { signature: _signature, ...content } = normaliseUsageRecord(record)
  return createHash('sha256').update(JSON.stringify(content)).digest('hex')
}

export const USAGE_RECORDED = 'UsageRecorded'
export type UsageRecordedEnvelope = Envelope<typeof USAGE_RECORDED, UsageRecord>

/** The envelope a validated, authenticated record travels in on the usage topic (keyed by modelId). */
export function usageRecordEnvelope(record: UsageRecord): UsageRecordedEnvelope {
  const normal = normaliseUsageRecord(record)
  return {
    id: normal.inferenceId,
    type: USAGE_RECORDED,
    version: 1,
    source: 'usage',
    occurredAt: new Date(normal.timestamp * 1000).toISOString(),
    payload: normal,
  }
}

// ---- The EIP-712 signing hash, computed directly (what viem's hashTypedData gives, without its generic encoder) ----

/** A keccak-256 implementation: the caller picks a native or a pure-JS one. */
export type Keccak256 = (data: Uint8Array) => Uint8Array

const DOMAIN_TYPE = 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'
const ATTRIBUTION_TYPE = 'Attribution(uint256 contributionId,uint32 weight)'
const USAGE_RECORD_TYPE = `UsageRecord(bytes32 inferenceId,uint256 modelId,uint256 agentId,uint32 tokensIn,uint32 tokensOut,uint64 timestamp,Attribution[] attributions)${ATTRIBUTION_TYPE}`
const WORD = 32

/** Everything a record's signing hash needs besides the record: the domain separator and the type hashes. */
export interface UsageHashing {
  keccak256: Keccak256
  domainSeparator: Uint8Array
  recordTypeHash: Uint8Array
  attributionTypeHash: Uint8Array
}

export function usageHashing(chainId: number, nodeRegistry: `0x${string}`, keccak256: Keccak256): UsageHashing {
  const text = (s: string) => keccak256(Buffer.from(s, 'utf8'))
  const domain = Buffer.alloc(5 * WORD)
  domain.set(text(DOMAIN_TYPE), 0)
  domain.set(text(USAGE_DOMAIN_NAME), WORD)
  domain.set(text(USAGE_DOMAIN_VERSION), 2 * WORD)
  writeUint(domain, 3 * WORD, BigInt(chainId))
  domain.write(nodeRegistry.slice(2).toLowerCase(), 4 * WORD + 12, 'hex')
  return { keccak256, domainSeparator: keccak256(domain), recordTypeHash: text(USAGE_RECORD_TYPE), attributionTypeHash: text(ATTRIBUTION_TYPE) }
}

/**
 * keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(record)): the digest a node signs. Expects a record that passed
 * the schema (ids in range, 32-byte inferenceId), so every field fits its word.
 */
export function usageSigningHash(record: UnsignedUsageRecord, hashing: UsageHashing): Uint8Array {
  const { keccak256 } = hashing
  const attributionHashes = Buffer.alloc(record.attributions.length * WORD)
  const attribution = Buffer.alloc(3 * WORD)
  attribution.set(hashing.attributionTypeHash, 0)
  for (const [i, a] of record.attributions.entries()) {
    writeDecimal(attribution, WORD, a.contributionId)
    attribution.fill(0, 2 * WORD)
    attribution.writeUInt32BE(a.weight, 3 * WORD - 4)
    attributionHashes.set(keccak256(attribution), i * WORD)
  }
  const struct = Buffer.alloc(8 * WORD)
  struct.set(hashing.recordTypeHash, 0)
  struct.write(record.inferenceId.slice(2), WORD, 'hex')
  writeDecimal(struct, 2 * WORD, record.modelId)
  writeDecimal(struct, 3 * WORD, record.agentId)
  struct.writeUInt32BE(record.tokensIn, 5 * WORD - 4)
  struct.writeUInt32BE(record.tokensOut, 6 * WORD - 4)
  writeSafeInteger(struct, 6 * WORD, record.timestamp)
  struct.set(keccak256(attributionHashes), 7 * WORD)
  const digest = Buffer.alloc(2 + 2 * WORD)
  digest[0] = 0x19
  digest[1] = 0x01
  digest.set(hashing.domainSeparator, 2)
  digest.set(keccak256(struct), 2 + WORD)
  return keccak256(digest)
}

function writeUint(buffer: Buffer, offset: number, value: bigint) {
  buffer.write(value.toString(16).padStart(2 * WORD, '0'), offset, 'hex')
}

/** A decimal uint256 (as the schema admits it) into its big-endian word. */
function writeDecimal(buffer: Buffer, offset: number, decimal: string) {
  // Up to 15 digits fit a double exactly; only larger ids pay for a BigInt.
  if (decimal.length <= 15) writeSafeInteger(buffer, offset, Number(decimal))
  else writeUint(buffer, offset, BigInt(decimal))
}

/** A non-negative integer below 2^53 into its big-endian word. */
function writeSafeInteger(buffer: Buffer, offset: number, value: number) {
  buffer.fill(0, offset, offset + WORD - 8)
  buffer.writeUInt32BE(Math.floor(value / 2 ** 32), offset + WORD - 8)
  buffer.writeUInt32BE(value % 2 ** 32, offset + WORD - 4)
}
