import { z } from 'zod'

/**
 * Off-chain usage records (DESIGN.md, "Usage records"): one JSON object per inference, signed with EIP-712 by a
 * registered inference node. This module holds the wire schema and the typed data; signing and recovery are
 * done with viem by the callers (ingest/usage, the workload generator).
 */
const UINT32_MAX = 2 ** 32 - 1
const MAX_ATTRIBUTIONS = 256
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

export const usageRecordSchema = z.strictObject({
  inferenceId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'inferenceId must be 0x and 32 bytes of hex'),
  modelId: decimalUint(UINT256_MAX, 'modelId'),
  agentId: decimalUint(UINT256_MAX, 'agentId'),
  tokensIn: z.number().int().min(0).max(UINT32_MAX),
  tokensOut: z.number().int().min(0).max(UINT32_MAX),
  /** Seconds since the Unix epoch (uint64 in the signed data). */
  timestamp: z.number().int().min(EARLIEST_TIMESTAMP, 'timestamp is before 2020: seconds expected'),
  attributions: z.array(attributionSchema).max(MAX_ATTRIBUTIONS, `at most ${MAX_ATTRIBUTIONS} attributions`),
  node: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'node must be an address'),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'signature must be 65 bytes of hex'),
})

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
