import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { BlockRef, Envelope } from './envelope.js'

/**
 * Payloads of the protocol's chain events as they travel on the log (docs/events.md, "Chain events"; the event
 * signatures are in contracts/src): uint256 values as decimal strings, addresses and hashes as lower-case hex.
 */
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'decimal uint256')
const address = z.string().regex(/^0x[0-9a-f]{40}$/, 'lower-case address')
const bytes32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'bytes32')
const bps = z.number().int().min(0).max(10_000)
const blockRef = z.object({ number: z.number().int().nonnegative(), hash: z.string() })

export const chainPayloadSchemas = {
  DatanetCreated: z.object({ datanetId: uint, owner: address, metadataURI: z.string() }),
  ContributionSubmitted: z.object({
    datanetId: uint,
    contributionId: uint,
    contributor: address,
    contentHash: bytes32,
    stake: uint,
  }),
  ContributionReviewed: z.object({ contributionId: uint, accepted: z.boolean(), reviewer: address }),
  ContributionSlashed: z.object({ contributionId: uint, amount: uint, reason: z.string() }),
  ModelRegistered: z.object({
    modelId: uint,
    owner: address,
    baseModelId: uint,
    datanetIds: z.array(uint),
    metadataURI: z.string(),
  }),
  FeeSplitSet: z.object({ modelId: uint, modelBps: bps, stakersBps: bps, dataBps: bps }),
  AgentRegistered: z.object({ agentId: uint, owner: address, metadataURI: z.string() }),
  InferenceNodeRegistered: z.object({ node: address, operator: address }),
  InferenceNodeRevoked: z.object({ node: address }),
  InferenceSettled: z.object({
    inferenceId: bytes32,
    modelId: uint,
    agentId: uint,
    payer: address,
    fee: uint,
    platformFee: uint,
  }),
  RewardRootPublished: z.object({ epoch: uint, root: bytes32, total: uint }),
  RewardClaimed: z.object({ epoch: uint, account: address, amount: uint }),
  Staked: z.object({ stakingId: uint, recipient: address, amount: uint }),
  ToppedUp: z.object({ stakingId: uint, recipient: address, amount: uint }),
  RequestUnstake: z.object({ stakingId: uint, recipient: address }),
  Unstaked: z.object({ stakingId: uint, recipient: address }),
  /** Control event: these blocks left the canonical chain; undo their effects, newest first. */
  BlocksOrphaned: z.object({ blocks: z.array(blockRef).min(1) }),
  /** Control event: every block up to and including `head` is final. */
  BlocksFinalized: z.object({ head: blockRef }),
} as const

export type ChainEventType = keyof typeof chainPayloadSchemas
export type ChainPayload<T extends ChainEventType> = z.infer<(typeof chainPayloadSchemas)[T]>
export type ChainEvent = { [T in ChainEventType]: Envelope<T, ChainPayload<T>> }[ChainEventType]

export const CHAIN_EVENT_VERSION = 1

export function isChainEventType(type: string): type is ChainEventType {
  return Object.hasOwn(chainPayloadSchemas, type)
}

/** Validates an envelope's payload against its type's schema. */
export function parseChainEvent(
  envelope: Envelope,
): { ok: true; event: ChainEvent } | { ok: false; reason: string; detail: string } {
  if (envelope.source !== 'chain' || !isChainEventType(envelope.type)) {
    return { ok: false, reason: 'unknown-event-type', detail: `${envelope.source}/${envelope.type}` }
  }
  const parsed = chainPayloadSchemas[envelope.type].safeParse(envelope.payload)
  if (!parsed.success) {
    return { ok: false, reason: 'invalid-payload', detail: z.prettifyError(parsed.error) }
  }
  return { ok: true, event: { ...envelope, payload: parsed.data } as ChainEvent }
}

export function orphanedBlocksEventId(chainId: number, blocks: BlockRef[]): string {
  const digest = createHash('sha256').update(blocks.map((b) => b.hash).join(',')).digest('hex')
  return `${chainId}:orphaned:${digest}`
}

export function finalizedEventId(chainId: number, head: BlockRef): string {
  return `${chainId}:finalized:${head.hash}`
}
