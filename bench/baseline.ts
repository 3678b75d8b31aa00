import { Store } from '@subsquid/typeorm-store'
import { In, type DataSource } from 'typeorm'
import type { ChainEvent } from '../src/domain/chain-events.js'
import type { Envelope } from '../src/domain/envelope.js'
import { attributionEdgeId } from '../src/domain/attribution.js'
import { epochOf, epochRange } from '../src/domain/epoch.js'
import { splitDataPart, splitSettlement, type Attribution, type FeeSplit } from '../src/domain/fee-split.js'
import { USAGE_RECORDED, type UsageRecord as SignedUsageRecord } from '../src/domain/usage-record.js'
import { usageRecordEntity } from '../src/project/projections/settlements.js'
import {
  Agent,
  AgentEpochStat,
  AttributionEdge,
  AttributionMode,
  Contribution,
  ContributionEvent,
  ContributionEventKind,
  ContributionStatus,
  Contributor,
  AttributionEpochStat,
  ContributorEpochStat,
  Datanet,
  DatanetEpochStat,
  Epoch,
  EpochStatus,
  FeeSplitChange,
  Inference,
  InferenceNode,
  Model,
  ModelDatanet,
  ModelEpochStat,
  UsageRecord,
} from '../src/model/index.js'

/**
 * The baseline keeps the schema squid-typeorm-codegen makes from the entity model with no index removed: an
 * index on every relation and keys in the database's collation, as a squid user would have it. Ours dropped these
 * indexes and orders the edge's key by bytes for the write path (db/migrations/1795660000000-EdgeIndexesTheApiUses.js,
 * 1795690000000-EdgeKeyInByteOrder.js); the baseline's database gets them back.
 */
export async function addBaselineIndexes(db: DataSource): Promise<void> {
  await db.query('ALTER TABLE attribution_edge ALTER COLUMN id TYPE character varying COLLATE "default"')
  await db.query('CREATE INDEX ON attribution_edge (inference_id)')
  await db.query('CREATE INDEX ON attribution_edge (contributor_id)')
  await db.query('CREATE INDEX ON attribution_edge (datanet_id)')
  await db.query('CREATE INDEX ON attribution_edge (epoch, contributor_id)')
}

/**
 * The comparison point: the same envelopes applied the way a conventional squid handler applies a batch.
 * Per batch it loads the entities the batch refers to, builds typeorm entity objects and aggregates in memory,
 * and saves them with @subsquid/typeorm-store's Store (`insert` / `upsert` of entity arrays, in chunks of
 * 1,000) in one transaction. No Kafka, no consumer offsets.
 *
 * It writes the same rows as the projector for the happy path the benchmark's backlog exercises (every
 * contribution accepted, every usage record valid and naming its settlement's model). It does not: validate
 * payloads against their schemas (it only parses the JSON), deduplicate re-delivered events, record undo
 * images for forks, dead-letter anything, use the fallback attribution, handle slashing, staking, rewards or
 * revocations, or close epochs (no payouts, no Merkle roots). It throws on an event outside that path rather
 * than write something different.
 */
export async function applyBaselineBatch(db: DataSource, envelopes: Envelope[], settings: { defaultFeeSplit: FeeSplit; epochBlocks: number }) {
  await db.transaction(async (em) => {
    const store = new Store(() => em)
    const batch = await BatchState.load(store, envelopes)
    for (const envelope of envelopes) {
      if (envelope.type === USAGE_RECORDED) batch.onUsage(envelope.payload as SignedUsageRecord)
      else batch.onChain(envelope as ChainEvent, settings)
    }
    await batch.save(store)
  })
}

type Stat<T> = { entity: T; isNew: boolean }

/** The entities one batch reads and writes, keyed by id, and what it must save at the end. */
class BatchState {
  readonly contributors = new Map<string, Contributor>()
  readonly contributions = new Map<string, Contribution>()
  readonly datanets = new Map<string, Datanet>()
  readonly models = new Map<string, Model>()
  readonly feeSplits = new Map<string, FeeSplitChange[]>()
  readonly agents = new Map<string, Agent>()
  readonly inferences = new Map<string, Inference>()
  readonly usage = new Map<string, UsageRecord>()
  readonly epochs = new Map<string, Epoch>()
  readonly modelStats = new Map<string, ModelEpochStat>()
  readonly agentStats = new Map<string, AgentEpochStat>()
  readonly contributorStats = new Map<string, ContributorEpochStat>()
  readonly datanetStats = new Map<string, DatanetEpochStat>()
  readonly attributionStats = new Map<string, AttributionEpochStat>()

  readonly changed = {
    contributors: new Set<Contributor>(),
    datanets: [] as Datanet[],
    contributions: new Set<Contribution>(),
    contributionEvents: [] as ContributionEvent[],
    models: new Set<Model>(),
    modelDatanets: [] as ModelDatanet[],
    feeSplitChanges: [] as FeeSplitChange[],
    agents: [] as Agent[],
    nodes: [] as InferenceNode[],
    inferences: new Set<Inference>(),
    usage: new Set<UsageRecord>(),
    edges: [] as AttributionEdge[],
  }

  /** Loads, in one query per entity type, everything the batch's events refer to. */
  static async load(store: Store, envelopes: Envelope[]): Promise<BatchState> {
    const state = new BatchState()
    const ids = { contributors: new Set<string>(), contributions: new Set<string>(), models: new Set<string>(), agents: new Set<string>(), inferences: new Set<string>(), datanets: new Set<string>() }
    for (const e of envelopes) {
      const p = e.payload as Record<string, unknown>
      if (e.type === USAGE_RECORDED) {
        const usage = p as unknown as SignedUsageRecord
        ids.inferences.add(usage.inferenceId)
        ids.models.add(usage.modelId)
        for (const a of usage.attributions) ids.contributions.add(a.contributionId)
        continue
      }
      for (const key of ['owner', 'contributor', 'operator'] as const) if (typeof p[key] === 'string') ids.contributors.add(p[key] as string)
      if (typeof p.contributionId === 'string') ids.contributions.add(p.contributionId)
      if (typeof p.datanetId === 'string') ids.datanets.add(p.datanetId)
      if (Array.isArray(p.datanetIds)) for (const d of p.datanetIds) ids.datanets.add(d as string)
      if (typeof p.modelId === 'string') ids.models.add(p.modelId)
      if (typeof p.baseModelId === 'string' && p.baseModelId !== '0') ids.models.add(p.baseModelId)
      if (typeof p.agentId === 'string') ids.agents.add(p.agentId)
      if (typeof p.inferenceId === 'string') ids.inferences.add(p.inferenceId)
    }
    const byId = <T extends { id: string }>(map: Map<string, T>, rows: T[]) => rows.forEach((r) => map.set(r.id, r))
    byId(state.contributors, await store.findBy(Contributor, { id: In([...ids.contributors]) }))
    byId(state.datanets, await store.findBy(Datanet, { id: In([...ids.datanets]) }))
    byId(state.contributions, await store.find(Contribution, { where: { id: In([...ids.contributions]) }, relations: { contributor: true, datanet: true } }))
    byId(state.models, await store.find(Model, { where: { id: In([...ids.models]) }, relations: { owner: true, baseModel: true } }))
    for (const change of await store.find(FeeSplitChange, { where: { model: { id: In([...ids.models]) } }, relations: { model: true } })) {
      state.feeSplitsOf(change.model.id).push(change)
    }
    byId(state.agents, await store.findBy(Agent, { id: In([...ids.agents]) }))
    byId(state.inferences, await store.find(Inference, { where: { id: In([...ids.inferences]) }, relations: { model: { baseModel: true }, modelOwner: true, agent: true } }))
    byId(state.usage, await store.findBy(UsageRecord, { id: In([...ids.inferences]) }))
    return state
  }

  onChain(event: ChainEvent, settings: { defaultFeeSplit: FeeSplit; epochBlocks: number }) {
    const at = new Date(event.occurredAt)
    const blockNumber = event.block?.number ?? 0
    const logIndex = event.logIndex ?? 0
    const txHash = event.txHash ?? ''
    switch (event.type) {
      case 'BlocksFinalized':
        return // finality only matters for closing epochs, which the baseline does not do
      case 'DatanetCreated': {
        const { datanetId, owner, metadataURI } = event.payload
        const datanet = new Datanet({ id: datanetId, owner: this.contributor(owner, blockNumber), metadataURI, createdAtBlock: blockNumber, createdAt: at, txHash })
        this.datanets.set(datanetId, datanet)
        this.changed.datanets.push(datanet)
        return
      }
      case 'ContributionSubmitted': {
        const { datanetId, contributionId, contributor, contentHash, stake } = event.payload
        const contribution = new Contribution({
          id: contributionId,
          datanet: this.require(this.datanets, datanetId, 'datanet'),
          contributor: this.contributor(contributor, blockNumber),
          contentHash,
          stake: BigInt(stake),
          status: ContributionStatus.PENDING,
          slashedAmount: 0n,
          slashedAtBlock: null,
          reviewedAtBlock: null,
          submittedAtBlock: blockNumber,
          submittedAt: at,
          txHash,
        })
        this.contributions.set(contributionId, contribution)
        this.changed.contributions.add(contribution)
        this.history(event.id, contribution, ContributionEventKind.SUBMITTED, contributor, { blockNumber, logIndex, at, txHash })
        return
      }
      case 'ContributionReviewed': {
        const { contributionId, accepted, reviewer } = event.payload
        const contribution = this.require(this.contributions, contributionId, 'contribution')
        contribution.status = accepted ? ContributionStatus.ACCEPTED : ContributionStatus.REJECTED
        contribution.reviewedAtBlock = blockNumber
        this.changed.contributions.add(contribution)
        const kind = accepted ? ContributionEventKind.ACCEPTED : ContributionEventKind.REJECTED
        this.history(event.id, contribution, kind, reviewer, { blockNumber, logIndex, at, txHash })
        return
      }
      case 'ModelRegistered': {
        const { modelId, owner, baseModelId, datanetIds, metadataURI } = event.payload
        const isAdapter = baseModelId !== '0'
        const model = new Model({
          id: modelId,
          owner: this.contributor(owner, blockNumber),
          baseModel: isAdapter ? this.require(this.models, baseModelId, 'model') : null,
          isAdapter,
          metadataURI,
          registeredAtBlock: blockNumber,
          registeredAt: at,
          txHash,
          modelBps: null,
          stakersBps: null,
          dataBps: null,
        })
        this.models.set(modelId, model)
        this.changed.models.add(model)
        for (const datanetId of new Set(datanetIds)) {
          this.changed.modelDatanets.push(new ModelDatanet({ id: `${modelId}-${datanetId}`, model, datanet: this.require(this.datanets, datanetId, 'datanet') }))
        }
        return
      }
      case 'FeeSplitSet': {
        const { modelId, modelBps, stakersBps, dataBps } = event.payload
        const model = this.require(this.models, modelId, 'model')
        const change = new FeeSplitChange({ id: event.id, model, modelBps, stakersBps, dataBps, blockNumber, logIndex })
        this.feeSplitsOf(modelId).push(change)
        this.changed.feeSplitChanges.push(change)
        Object.assign(model, { modelBps, stakersBps, dataBps })
        this.changed.models.add(model)
        return
      }
      case 'AgentRegistered': {
        const { agentId, owner, metadataURI } = event.payload
        const agent = new Agent({ id: agentId, owner: this.contributor(owner, blockNumber), metadataURI, registeredAtBlock: blockNumber, registeredAt: at, txHash })
        this.agents.set(agentId, agent)
        this.changed.agents.push(agent)
        return
      }
      case 'InferenceNodeRegistered': {
        const { node, operator } = event.payload
        this.changed.nodes.push(
          new InferenceNode({ id: node, operator: this.contributor(operator, blockNumber), registeredAtBlock: blockNumber, registeredAt: at, revokedAtBlock: null, revokedAt: null }),
        )
        return
      }
      case 'InferenceSettled':
        return this.onSettled(event, settings)
      default:
        throw new Error(`the baseline covers the benchmark's happy path only, not ${event.type}`)
    }
  }

  private onSettled(event: Extract<ChainEvent, { type: 'InferenceSettled' }>, settings: { defaultFeeSplit: FeeSplit; epochBlocks: number }) {
    const { inferenceId, modelId, agentId, payer, fee, platformFee } = event.payload
    const blockNumber = event.block!.number
    const logIndex = event.logIndex!
    const model = this.require(this.models, modelId, 'model')
    const split = this.feeSplitAt(modelId, blockNumber, logIndex) ?? settings.defaultFeeSplit
    const settled = splitSettlement(BigInt(fee), BigInt(platformFee), split)
    if (!settled.ok) throw new Error(`the baseline covers the happy path only: ${settled.detail}`)
    const { net, model: modelPart, stakers, data } = settled.value
    const epoch = epochOf(blockNumber, settings.epochBlocks)
    const agent = agentId === '0' ? undefined : this.agents.get(agentId)
    const inference = new Inference({
      id: inferenceId,
      model,
      modelOwner: model.owner,
      agent: agent ?? null,
      onChainAgentId: agentId,
      payer,
      fee: BigInt(fee),
      platformFee: BigInt(platformFee),
      net,
      modelPart,
      stakersPart: stakers,
      dataPart: data,
      modelBps: split.modelBps,
      stakersBps: split.stakersBps,
      dataBps: split.dataBps,
      mode: AttributionMode.AWAITING_USAGE,
      blockNumber,
      blockHash: event.block!.hash,
      logIndex,
      epoch,
      settledAt: new Date(event.occurredAt),
      txHash: event.txHash ?? '',
      tokensIn: null,
      tokensOut: null,
      node: null,
      usageAt: null,
    })
    this.inferences.set(inferenceId, inference)
    this.changed.inferences.add(inference)
    const epochRow = this.epoch(epoch, settings.epochBlocks)
    epochRow.inferences += 1
    epochRow.fees += BigInt(fee)
    epochRow.platformFees += BigInt(platformFee)
    epochRow.netFees += net
    epochRow.stakersPool += stakers
    const modelStat = this.stat(this.modelStats, `${epoch}-${modelId}`, () => new ModelEpochStat({ model, epoch, inferences: 0, fees: 0n, netFees: 0n, dataPart: 0n }))
    modelStat.inferences += 1
    modelStat.fees += BigInt(fee)
    modelStat.netFees += net
    modelStat.dataPart += data
    if (agent) {
      const agentStat = this.stat(this.agentStats, `${epoch}-${agentId}`, () => new AgentEpochStat({ agent, epoch, inferences: 0, fees: 0n }))
      agentStat.inferences += 1
      agentStat.fees += BigInt(fee)
    }
    const waiting = this.usage.get(inferenceId)
    if (waiting) this.join(inference, waiting)
  }

  onUsage(record: SignedUsageRecord) {
    if (this.usage.has(record.inferenceId)) return
    const usage = usageRecordEntity(record)
    this.usage.set(usage.id, usage)
    this.changed.usage.add(usage)
    const inference = this.inferences.get(record.inferenceId)
    if (inference) this.join(inference, usage)
  }

  private join(inference: Inference, usage: UsageRecord) {
    if (usage.modelId !== inference.model.id) throw new Error('the baseline covers the happy path only: model mismatch')
    const positive = (usage.attributions as { contributionId: string; weight: number }[]).filter((a) => a.weight > 0)
    const earning = positive.filter((a) => {
      const c = this.contributions.get(a.contributionId)
      return c?.status === ContributionStatus.ACCEPTED && c.reviewedAtBlock! <= inference.blockNumber && (c.slashedAtBlock == null || c.slashedAtBlock > inference.blockNumber)
    })
    if (earning.length === 0) throw new Error('the baseline covers the happy path only: no earning attribution')
    const weights: Attribution[] = earning.map((a) => ({ contributionId: a.contributionId, weight: BigInt(a.weight) }))
    for (const [contributionId, amount] of splitDataPart(inference.dataPart, weights)) {
      const contribution = this.contributions.get(contributionId)!
      const weight = weights.find((w) => w.contributionId === contributionId)!.weight
      this.changed.edges.push(
        new AttributionEdge({
          id: attributionEdgeId(inference, contributionId),
          inference,
          contribution,
          contributor: contribution.contributor,
          datanet: contribution.datanet,
          weight,
          amount,
          epoch: inference.epoch,
        }),
      )
      const byContributor = this.stat(this.contributorStats, `${inference.epoch}-${contribution.contributor.id}`, () => new ContributorEpochStat({ contributor: contribution.contributor, epoch: inference.epoch, amount: 0n, attributions: 0 }))
      byContributor.amount += amount
      byContributor.attributions += 1
      const byDatanet = this.stat(this.datanetStats, `${inference.epoch}-${contribution.datanet.id}`, () => new DatanetEpochStat({ datanet: contribution.datanet, epoch: inference.epoch, amount: 0n, attributions: 0 }))
      byDatanet.amount += amount
      byDatanet.attributions += 1
      const model = inference.model
      const byAll = this.stat(this.attributionStats, `${inference.epoch}-${model.id}-${contribution.datanet.id}-${contribution.contributor.id}`, () => new AttributionEpochStat({ model, datanet: contribution.datanet, contributor: contribution.contributor, epoch: inference.epoch, amount: 0n, attributions: 0 }))
      byAll.amount += amount
      byAll.attributions += 1
    }
    Object.assign(inference, { mode: AttributionMode.USAGE, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, node: usage.node, usageAt: usage.timestamp })
    this.changed.inferences.add(inference)
  }

  /** Saves parents before children (the schema has foreign keys); aggregates are merged with their stored rows. */
  async save(store: Store) {
    const { changed } = this
    await store.upsert([...changed.contributors])
    await store.insert(changed.datanets)
    await store.upsert([...changed.contributions])
    await store.insert(changed.contributionEvents)
    await store.upsert([...changed.models])
    await store.insert(changed.modelDatanets)
    await store.insert(changed.feeSplitChanges)
    await store.insert(changed.agents)
    await store.insert(changed.nodes)
    await store.upsert(await mergeStored(store, Epoch, this.epochs, (row, stored) => {
      row.inferences += stored.inferences
      row.fees += stored.fees
      row.platformFees += stored.platformFees
      row.netFees += stored.netFees
      row.stakersPool += stored.stakersPool
    }))
    await store.upsert([...changed.inferences])
    await store.upsert([...changed.usage])
    await store.insert(changed.edges)
    await store.upsert(await mergeStored(store, ModelEpochStat, this.modelStats, (row, stored) => {
      row.inferences += stored.inferences
      row.fees += stored.fees
      row.netFees += stored.netFees
      row.dataPart += stored.dataPart
    }))
    await store.upsert(await mergeStored(store, AgentEpochStat, this.agentStats, (row, stored) => {
      row.inferences += stored.inferences
      row.fees += stored.fees
    }))
    const addEarnings = (row: { amount: bigint; attributions: number }, stored: { amount: bigint; attributions: number }) => {
      row.amount += stored.amount
      row.attributions += stored.attributions
    }
    await store.upsert(await mergeStored(store, ContributorEpochStat, this.contributorStats, addEarnings))
    await store.upsert(await mergeStored(store, DatanetEpochStat, this.datanetStats, addEarnings))
    await store.upsert(await mergeStored(store, AttributionEpochStat, this.attributionStats, addEarnings))
  }

  private contributor(address: string, block: number): Contributor {
    let contributor = this.contributors.get(address)
    if (!contributor) {
      contributor = new Contributor({ id: address, firstSeenBlock: block })
      this.contributors.set(address, contributor)
      this.changed.contributors.add(contributor)
    } else if (block < contributor.firstSeenBlock) {
      contributor.firstSeenBlock = block
      this.changed.contributors.add(contributor)
    }
    return contributor
  }

  private history(id: string, contribution: Contribution, kind: ContributionEventKind, actor: string, at: { blockNumber: number; logIndex: number; at: Date; txHash: string }) {
    this.changed.contributionEvents.push(new ContributionEvent({ id, contribution, kind, actor, amount: null, reason: null, ...at }))
  }

  private feeSplitsOf(modelId: string): FeeSplitChange[] {
    let changes = this.feeSplits.get(modelId)
    if (!changes) this.feeSplits.set(modelId, (changes = []))
    return changes
  }

  private feeSplitAt(modelId: string, block: number, logIndex: number): FeeSplit | undefined {
    let latest: FeeSplitChange | undefined
    for (const c of this.feeSplitsOf(modelId)) {
      const inForce = c.blockNumber < block || (c.blockNumber === block && c.logIndex <= logIndex)
      const later = !latest || c.blockNumber > latest.blockNumber || (c.blockNumber === latest.blockNumber && c.logIndex > latest.logIndex)
      if (inForce && later) latest = c
    }
    return latest && { modelBps: latest.modelBps, stakersBps: latest.stakersBps, dataBps: latest.dataBps }
  }

  private epoch(number: number, epochBlocks: number): Epoch {
    return this.stat(this.epochs, String(number), () => {
      const { first, last } = epochRange(number, epochBlocks)
      return new Epoch({
        number,
        firstBlock: first,
        lastBlock: last,
        status: EpochStatus.OPEN,
        inferences: 0,
        fees: 0n,
        platformFees: 0n,
        netFees: 0n,
        stakersPool: 0n,
        rolledIn: 0n,
        rolledOver: 0n,
        payoutTotal: 0n,
      })
    })
  }

  /** The batch's own aggregate row for `id` (the stored row is added in at save time). */
  private stat<T extends { id: string }>(map: Map<string, T>, id: string, create: () => T): T {
    let row = map.get(id)
    if (!row) {
      row = create()
      row.id = id
      map.set(id, row)
    }
    return row
  }

  private require<T>(map: Map<string, T>, id: string, what: string): T {
    const found = map.get(id)
    if (!found) throw new Error(`the baseline covers the happy path only: unknown ${what} ${id}`)
    return found
  }
}

/** The batch's aggregate rows, with the stored rows of the same ids added in. */
async function mergeStored<T extends { id: string }>(
  store: Store,
  entity: new () => T,
  batch: Map<string, T>,
  add: (row: T, stored: T) => void,
): Promise<T[]> {
  if (batch.size === 0) return []
  const stored = new Map((await store.findBy(entity, { id: In([...batch.keys()]) } as never)).map((r) => [r.id, r]))
  // The batch's rows carry their relations (the stored ones were loaded without): add the stored sums into them.
  for (const row of batch.values()) {
    const before = stored.get(row.id)
    if (before) add(row, before)
  }
  return [...batch.values()]
}
