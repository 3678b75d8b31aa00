// Generated chains and usage records for the arrival-order tests: registries, reviews, slashes and fee-split
// changes in the same blocks as settlements, models with zero, one and several datanets, adapters, stakes that
// start and end inside epochs, records whose weights do or do not qualify. Ops name entities by small integers
// taken modulo what exists when the op runs, so fast-check shrinks a failing chain to a short one.
import fc from 'fast-check'
import { parseChainEvent, type ChainEvent } from '../../src/domain/chain-events.js'
import { decodeEnvelope } from '../../src/domain/envelope.js'
import { normaliseUsageRecord, usageRecordSchema, type UsageRecord } from '../../src/domain/usage-record.js'
import { address, Streams } from './log-streams.js'

export const SCENARIO_EPOCH_BLOCKS = 8

type Op =
  | { kind: 'contribute'; datanet: number; contributor: number }
  | { kind: 'review'; contribution: number; accepted: boolean }
  | { kind: 'slash'; contribution: number }
  | { kind: 'model'; datanets: number[]; adapterOf: number | null }
  | { kind: 'feeSplit'; model: number; modelBps: number; stakersBps: number }
  | { kind: 'stake'; recipient: number; amount: number }
  | { kind: 'topUp'; stake: number; amount: number }
  | { kind: 'endStake'; stake: number; request: boolean }
  | { kind: 'settle'; model: number; fee: number; platformFee: number; usage: UsagePlan | null }

interface UsagePlan {
  attributions: [number, number][]
  /** The record names another model than its settlement: refused whichever comes first. */
  otherModel: boolean
}

export interface ScenarioPlan {
  /** `minedTwice`: the block is first mined with other reviews and some of its settlements, then orphaned. */
  blocks: { gap: number; ops: Op[]; finalizeAfter: boolean; minedTwice: boolean }[]
}

const nat = (max: number) => fc.nat({ max })

const usagePlan: fc.Arbitrary<UsagePlan> = fc
  .record({
    attributions: fc.uniqueArray(fc.tuple(nat(11), nat(9)), { minLength: 1, maxLength: 3, selector: ([c]) => c }),
    otherModel: fc.boolean(),
  })
  // one record in a few names another model
  .map((u) => ({ ...u, otherModel: u.otherModel && u.attributions.length === 1 }))

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('settle' as const), model: nat(7), fee: fc.integer({ min: 1, max: 2_000_003 }), platformFee: nat(5), usage: fc.option(usagePlan, { freq: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('review' as const), contribution: nat(11), accepted: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slash' as const), contribution: nat(11) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('contribute' as const), datanet: nat(3), contributor: nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('model' as const), datanets: fc.uniqueArray(nat(3), { maxLength: 2 }), adapterOf: fc.option(nat(7), { freq: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('feeSplit' as const), model: nat(7), modelBps: nat(6000), stakersBps: nat(4000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stake' as const), recipient: nat(2), amount: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('topUp' as const), stake: nat(5), amount: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('endStake' as const), stake: nat(5), request: fc.boolean() }) },
)

export const scenarioPlan: fc.Arbitrary<ScenarioPlan> = fc.record({
  blocks: fc.array(
    fc.record({ gap: fc.integer({ min: 1, max: 5 }), ops: fc.array(op, { minLength: 1, maxLength: 6 }), finalizeAfter: fc.boolean(), minedTwice: fc.nat({ max: 3 }).map((n) => n === 0) }),
    { minLength: 1, maxLength: 10 },
  ),
})

export interface Scenario {
  streams: Streams
  /** The chain as the reference takes it: parsed events in log order. */
  chain: ChainEvent[]
  usage: UsageRecord[]
  /** For each usage record, the chain offset of its settlement (or -1): orders place records around it. */
  settlementOffsetOf: number[]
  finalHeight: number
}

const GENESIS_DATANETS = 3
const GENESIS_CONTRIBUTIONS = 6
const GENESIS_ACCEPTED = 4

/**
 * Builds the chain: a genesis block (datanets, contributions, a base model on one datanet, one on none, an
 * adapter, a staker), the plan's blocks, and a last finality that closes every epoch; with `catchUp`, every
 * event published as final.
 */
export function buildScenario(plan: ScenarioPlan, { catchUp = false } = {}): Scenario {
  const s = new Streams()
  // A catch-up: every block already final when published (so none is mined twice), as the ingester does behind the head.
  if (catchUp) s.finalUpTo = Number.POSITIVE_INFINITY
  let datanets = 0
  let contributions = 0
  let models = 0
  let stakes = 0
  let inferences = 0
  const usageFor: { n: number; modelId: string; attributions: [string, number][]; chainOffset: number }[] = []

  const genesis = s.block(1)
  for (; datanets < GENESIS_DATANETS; ) {
    datanets++
    s.event('DatanetCreated', genesis, { datanetId: String(datanets), owner: address(10 + datanets), metadataURI: `ipfs://d${datanets}` })
  }
  const contribute = (block: ReturnType<Streams['block']>, datanet: number, contributor: number) => {
    contributions++
    s.event('ContributionSubmitted', block, {
      datanetId: String(1 + (datanet % datanets)), contributionId: String(contributions), contributor: address(100 + contributor),
      contentHash: `0x${contributions.toString(16).padStart(64, '0')}`, stake: '0',
    })
  }
  for (let c = 0; c < GENESIS_CONTRIBUTIONS; c++) contribute(genesis, c, c % 3)
  // Most start accepted, so records' weights qualify; the rest wait for reviews in later blocks.
  for (let c = 1; c <= GENESIS_ACCEPTED; c++) s.event('ContributionReviewed', genesis, { contributionId: String(c), accepted: true, reviewer: address(9) })
  const baseModels: number[] = []
  const register = (block: ReturnType<Streams['block']>, datanetIdxs: number[], adapterOf: number | null) => {
    models++
    const base = adapterOf === null || baseModels.length === 0 ? null : baseModels[adapterOf % baseModels.length]
    if (base === null) baseModels.push(models)
    s.event('ModelRegistered', block, {
      modelId: String(models), owner: address(50 + models), baseModelId: base === null ? '0' : String(base),
      datanetIds: [...new Set(datanetIdxs.map((d) => String(1 + (d % datanets))))], metadataURI: `hf://m${models}`,
    })
  }
  register(genesis, [0], null)
  register(genesis, [], null)
  register(genesis, [1, 2], 0)
  stakes++
  s.event('Staked', genesis, { stakingId: String(stakes), recipient: address(200), amount: '500' })

  let number = 1
  for (const block of plan.blocks) {
    number += block.gap
    const ref = s.block(number)
    if (block.minedTwice && !catchUp) mineAndOrphan(s, s.block(number, 'f'), block.ops, { inferences, contributions, models })
    for (const o of block.ops) {
      switch (o.kind) {
        case 'contribute':
          contribute(ref, o.datanet, o.contributor)
          break
        case 'review':
          s.event('ContributionReviewed', ref, { contributionId: String(1 + (o.contribution % contributions)), accepted: o.accepted, reviewer: address(9) })
          break
        case 'slash':
          s.event('ContributionSlashed', ref, { contributionId: String(1 + (o.contribution % contributions)), amount: '7', reason: 'bad data' })
          break
        case 'model':
          register(ref, o.datanets, o.adapterOf)
          break
        case 'feeSplit':
          s.event('FeeSplitSet', ref, { modelId: String(1 + (o.model % models)), modelBps: o.modelBps, stakersBps: o.stakersBps, dataBps: 10_000 - o.modelBps - o.stakersBps })
          break
        case 'stake':
          stakes++
          s.event('Staked', ref, { stakingId: String(stakes), recipient: address(200 + o.recipient), amount: String(o.amount) })
          break
        case 'topUp':
          s.event('ToppedUp', ref, { stakingId: String(1 + (o.stake % stakes)), recipient: address(200), amount: String(o.amount) })
          break
        case 'endStake':
          s.event(o.request ? 'RequestUnstake' : 'Unstaked', ref, { stakingId: String(1 + (o.stake % stakes)), recipient: address(200) })
          break
        case 'settle': {
          inferences++
          const modelId = String(1 + (o.model % models))
          const chainOffset = s.chain.length
          s.settle(inferences, ref, modelId, BigInt(o.fee), BigInt(Math.min(o.platformFee, o.fee + 1)), '0')
          if (o.usage) {
            const recordModel = o.usage.otherModel ? String(1 + (Number(modelId) % models)) : modelId
            // Ids taken modulo the contributions so far may coincide: a record names each contribution once.
            const attributions = new Map(o.usage.attributions.map(([c, w]) => [String(1 + (c % contributions)), w] as const).reverse())
            usageFor.push({ n: inferences, modelId: recordModel, attributions: [...attributions].reverse(), chainOffset })
          }
          break
        }
      }
    }
    if (block.finalizeAfter) s.finalize(s.block(Math.max(1, number - 2)))
  }
  const finalHeight = (Math.floor(number / SCENARIO_EPOCH_BLOCKS) + 2) * SCENARIO_EPOCH_BLOCKS
  s.finalize(s.block(finalHeight))

  for (const u of usageFor) s.usageRecord(u.n, u.modelId, u.attributions)
  return scenarioOf(s, finalHeight, usageFor.map((u) => u.chainOffset))
}

/**
 * A fork: the block first mined with the opposite reviews and every other settlement of the plan (the same
 * transactions, so the same inference, model and fee), then orphaned before the canonical block comes.
 */
function mineAndOrphan(s: Streams, ghost: ReturnType<Streams['block']>, ops: Op[], counts: { inferences: number; contributions: number; models: number }) {
  let inference = counts.inferences
  for (const o of ops) {
    if (o.kind === 'model') break // later settlements may name the model this one registers
    if (o.kind === 'review') {
      s.event('ContributionReviewed', ghost, { contributionId: String(1 + (o.contribution % counts.contributions)), accepted: !o.accepted, reviewer: address(9) })
    } else if (o.kind === 'settle') {
      inference++
      if (inference % 2 === 0) s.settle(inference, ghost, String(1 + (o.model % counts.models)), BigInt(o.fee), BigInt(Math.min(o.platformFee, o.fee + 1)), '0')
    }
  }
  s.orphan([ghost])
}

/** A scenario of hand-built streams: the reference's view of them parsed back from the log records. */
export function scenarioOf(s: Streams, finalHeight: number, settlementOffsetOf: number[]): Scenario {
  const events = s.chain.map((record) => {
    const envelope = decodeEnvelope(record.value)
    const parsed = envelope.ok ? parseChainEvent(envelope.value) : envelope
    if (!parsed.ok) throw new Error(`scenario built an invalid chain event: ${parsed.detail}`)
    return parsed.event
  })
  // The reference takes the canonical chain: without the blocks a fork orphaned.
  const orphaned = new Set(events.flatMap((e) => (e.type === 'BlocksOrphaned' ? e.payload.blocks.map((b) => b.hash) : [])))
  const chain = events.filter((e) => !e.block || !orphaned.has(e.block.hash))
  const usage = s.usage.map((record) => {
    const envelope = decodeEnvelope(record.value)
    if (!envelope.ok) throw new Error(envelope.detail)
    return normaliseUsageRecord(usageRecordSchema.parse(envelope.value.payload))
  })
  return { streams: s, chain, usage, settlementOffsetOf, finalHeight }
}
