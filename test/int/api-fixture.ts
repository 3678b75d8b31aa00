// A generated attribution graph, written straight into the projection tables (the API's input): datanets,
// contributions, base models and adapters, agents, stakes, thousands of settled inferences with attribution
// edges computed by the domain's money math, and closed epochs whose payouts carry real Merkle proofs.
import type { AddressInfo } from 'node:net'
import { keccak256, toHex } from 'viem'
import { startApiServer, type ApiOptions } from '../../src/api/server.js'
import { loadConfig } from '../../src/config.js'
import { noticeCommit } from '../../src/db/change-notice.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createRng } from '../../src/dev/rng.js'
import { attributionEdgeId } from '../../src/domain/attribution.js'
import { splitDataPart, splitSettlement } from '../../src/domain/fee-split.js'
import { payoutTree, stakersPoolShares } from '../../src/domain/payouts.js'
import { createLogger } from '../../src/logger.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { eventually } from '../support/processes.js'

export const EPOCH_BLOCKS = 1000
export const CLOSED_EPOCHS = [0, 1]
export const OPEN_EPOCH = 2
export const HEAD = { finalized: 2990, top: 2995 }
/** The configuration's split when DEFAULT_FEE_SPLIT is unset. */
const DEFAULT_FEE_SPLIT = loadConfig({}).projection.defaultFeeSplit

export const address = (i: number) => `0x${(0xa000 + i).toString(16).padStart(40, '0')}`

export interface Inference {
  id: string
  modelId: string
  agentId: string
  ownerId: string
  payer: string
  fee: bigint
  platformFee: bigint
  net: bigint
  modelPart: bigint
  stakersPart: bigint
  dataPart: bigint
  mode: 'USAGE' | 'OWNER' | 'AWAITING_USAGE'
  blockNumber: number
  logIndex: number
  epoch: number
}

export interface Edge {
  id: string
  inferenceId: string
  contributionId: string
  contributorId: string
  datanetId: string
  weight: bigint
  amount: bigint
  epoch: number
}

export interface Payout {
  epoch: number
  account: string
  amount: bigint
  owner: bigint
  staker: bigint
  contributor: bigint
  proof: string[]
}

export interface Contribution {
  id: string
  datanetId: string
  contributorId: string
  status: 'ACCEPTED' | 'PENDING' | 'REJECTED'
  stake: bigint
}

export interface Fixture {
  contributors: string[]
  datanets: { id: string; ownerId: string }[]
  contributions: Contribution[]
  models: { id: string; ownerId: string; baseModelId: string | null; datanets: string[] }[]
  agents: { id: string; ownerId: string }[]
  inferences: Inference[]
  edges: Edge[]
  payouts: Payout[]
  roots: Map<number, string | null>
}

const MODELS = [
  { id: '1', baseModelId: null, datanets: ['1', '2'] },
  { id: '2', baseModelId: null, datanets: ['2', '3'] },
  { id: '3', baseModelId: null, datanets: ['4'] },
  { id: '4', baseModelId: '1', datanets: ['3'] },
  { id: '5', baseModelId: '2', datanets: ['4'] },
]

/** Builds the graph in memory (deterministic for a seed). */
export function generateFixture(inferenceCount: number, seed = 7): Fixture {
  const rng = createRng(seed)
  const contributors = Array.from({ length: 30 }, (_, i) => address(i))
  const datanets = ['1', '2', '3', '4'].map((id, i) => ({ id, ownerId: contributors[i] }))
  const contributions: Contribution[] = []
  for (let i = 1; i <= 48; i++) {
    const status = i % 11 === 0 ? 'REJECTED' : i % 13 === 0 ? 'PENDING' : 'ACCEPTED'
    contributions.push({
      id: String(i),
      datanetId: datanets[(i - 1) % 4].id,
      contributorId: contributors[14 + (i * 7) % 16],
      status,
      stake: BigInt(rng.int(0, 5)) * 10n ** 17n,
    })
  }
  const models = MODELS.map((m, i) => ({ ...m, ownerId: contributors[4 + i] }))
  const agents = ['1', '2', '3'].map((id, i) => ({ id, ownerId: contributors[9 + i] }))
  const inferences: Inference[] = []
  const edges: Edge[] = []
  for (let i = 0; i < inferenceCount; i++) {
    const model = rng.pick(models)
    const blockNumber = 10 + Math.floor((i * 2900) / inferenceCount)
    const epoch = Math.floor(blockNumber / EPOCH_BLOCKS)
    const fee = BigInt(rng.int(1, 20)) * 10n ** 15n // few distinct fees: many ties for the orderings
    const platformFee = fee / 20n
    const split = splitSettlement(fee, platformFee, DEFAULT_FEE_SPLIT)
    if (!split.ok) throw new Error(split.detail)
    const accepted = contributions.filter((c) => c.status === 'ACCEPTED' && model.datanets.includes(c.datanetId))
    const mode = epoch === OPEN_EPOCH && rng.percent(30) ? 'AWAITING_USAGE' : rng.percent(8) ? 'OWNER' : 'USAGE'
    const inference: Inference = {
      id: keccak256(toHex(`inference-${seed}-${i}`)),
      modelId: model.id,
      agentId: rng.pick(agents).id,
      ownerId: model.ownerId,
      payer: address(100 + rng.int(0, 9)),
      fee,
      platformFee,
      net: split.value.net,
      modelPart: split.value.model,
      stakersPart: split.value.stakers,
      dataPart: split.value.data,
      mode,
      blockNumber,
      logIndex: i % 4,
      epoch,
    }
    inferences.push(inference)
    if (mode !== 'USAGE') continue
    const picked = rng.sample(accepted, rng.int(1, 4))
    const weights = picked.map((c) => ({ contributionId: c.id, weight: BigInt(rng.int(1, 100)) }))
    for (const [contributionId, amount] of splitDataPart(inference.dataPart, weights)) {
      const c = contributions.find((x) => x.id === contributionId)!
      edges.push({
        id: attributionEdgeId(inference, contributionId),
        inferenceId: inference.id,
        contributionId,
        contributorId: c.contributorId,
        datanetId: c.datanetId,
        weight: weights.find((w) => w.contributionId === contributionId)!.weight,
        amount,
        epoch,
      })
    }
  }
  const { payouts, roots } = closeEpochs(inferences, edges)
  return { contributors, datanets, contributions, models, agents, inferences, edges, payouts, roots }
}

/** Stakes of two stakers, as of every closed epoch. */
export const STAKES = [
  { id: '1', recipient: address(12), principal: 3n * 10n ** 18n },
  { id: '2', recipient: address(13), principal: 1n * 10n ** 18n },
]

function closeEpochs(inferences: Inference[], edges: Edge[]) {
  const payouts: Payout[] = []
  const roots = new Map<number, string | null>()
  for (const epoch of CLOSED_EPOCHS) {
    const parts = new Map<string, { owner: bigint; staker: bigint; contributor: bigint }>()
    const part = (a: string) => parts.get(a) ?? parts.set(a, { owner: 0n, staker: 0n, contributor: 0n }).get(a)!
    let pool = 0n
    for (const i of inferences.filter((x) => x.epoch === epoch)) {
      part(i.ownerId).owner += i.modelPart + (i.mode === 'OWNER' ? i.dataPart : 0n)
      pool += i.stakersPart
    }
    for (const e of edges.filter((x) => x.epoch === epoch)) part(e.contributorId).contributor += e.amount
    for (const [account, amount] of stakersPoolShares(pool, STAKES).shares) part(account).staker += amount
    const tree = payoutTree(new Map([...parts].map(([a, p]) => [a, p.owner + p.staker + p.contributor])))
    roots.set(epoch, tree.root)
    for (const leaf of tree.leaves) {
      const p = parts.get(leaf.account)!
      payouts.push({ epoch, account: leaf.account, amount: leaf.amount, owner: p.owner, staker: p.staker, contributor: p.contributor, proof: leaf.proof })
    }
  }
  return { payouts, roots }
}

const settledAt = (block: number) => new Date(Date.UTC(2026, 0, 1) + block * 2000)
const hash = (label: string) => keccak256(toHex(label))

/** Writes the fixture into a migrated database. */
export async function seedFixture(url: string, f: Fixture): Promise<void> {
  await withClient(url, async (db) => {
    const insert = async (table: string, rows: Record<string, unknown>[]) => {
      for (let start = 0; start < rows.length; start += 500) {
        const chunk = rows.slice(start, start + 500)
        const columns = Object.keys(chunk[0])
        const values: unknown[] = []
        const tuples = chunk.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`)
        await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values)
      }
    }
    const everyone = [...new Set([...f.contributors, ...STAKES.map((s) => s.recipient)])]
    await insert('contributor', everyone.map((id, i) => ({ id, first_seen_block: i })))
    await insert('datanet', f.datanets.map((d, i) => ({ id: d.id, owner_id: d.ownerId, metadata_uri: `ipfs://datanet-${d.id}`, created_at_block: i + 1, created_at: settledAt(i + 1), tx_hash: hash(`dn-${d.id}`) })))
    await insert('contribution', f.contributions.map((c, i) => ({
      id: c.id, datanet_id: c.datanetId, contributor_id: c.contributorId, content_hash: hash(`content-${c.id}`), stake: c.stake.toString(),
      status: c.status, slashed_amount: '0', slashed_at_block: null, reviewed_at_block: c.status === 'PENDING' ? null : 6,
      submitted_at_block: 5 + (i % 3), submitted_at: settledAt(5), tx_hash: hash(`c-${c.id}`),
    })))
    await insert('contribution_event', f.contributions.map((c) => ({
      id: `31337:${hash(`c-${c.id}`)}:0`, contribution_id: c.id, kind: 'SUBMITTED', actor: c.contributorId, block_number: 5, log_index: Number(c.id), at: settledAt(5), tx_hash: hash(`c-${c.id}`),
    })))
    await insert('model', f.models.map((m, i) => ({
      id: m.id, owner_id: m.ownerId, base_model_id: m.baseModelId, is_adapter: m.baseModelId != null, metadata_uri: `ipfs://model-${m.id}`,
      registered_at_block: 7 + i, registered_at: settledAt(7 + i), tx_hash: hash(`m-${m.id}`),
    })))
    await insert('model_datanet', f.models.flatMap((m) => m.datanets.map((d) => ({ id: `${m.id}-${d}`, model_id: m.id, datanet_id: d }))))
    await insert('agent', f.agents.map((a) => ({ id: a.id, owner_id: a.ownerId, metadata_uri: `ipfs://agent-${a.id}`, registered_at_block: 8, registered_at: settledAt(8), tx_hash: hash(`a-${a.id}`) })))
    await insert('stake', STAKES.map((s) => ({ id: s.id, recipient_id: s.recipient, amount: s.principal.toString(), principal: s.principal.toString(), status: 'ACTIVE', staked_at_block: 3 })))
    await insert('inference', f.inferences.map((i) => ({
      id: i.id, model_id: i.modelId, model_owner_id: i.ownerId, agent_id: i.agentId, on_chain_agent_id: i.agentId, payer: i.payer, fee: i.fee.toString(),
      platform_fee: i.platformFee.toString(), net: i.net.toString(), model_part: i.modelPart.toString(), stakers_part: i.stakersPart.toString(),
      data_part: i.dataPart.toString(), model_bps: 3000, stakers_bps: 1000, data_bps: 6000, mode: i.mode, block_number: i.blockNumber,
      block_hash: hash(`block-${i.blockNumber}`), log_index: i.logIndex, epoch: i.epoch, settled_at: settledAt(i.blockNumber), tx_hash: hash(`tx-${i.id}`),
    })))
    await insert('attribution_edge', f.edges.map((e) => ({
      id: e.id, inference_id: e.inferenceId, contribution_id: e.contributionId, contributor_id: e.contributorId, datanet_id: e.datanetId,
      weight: e.weight.toString(), amount: e.amount.toString(), epoch: e.epoch,
    })))
    await insertStats(insert, f)
    await insertEpochs(insert, f)
    await db.query('INSERT INTO chain_state (chain_id, finalized_height, finalized_hash) VALUES (31337, $1, $2)', [HEAD.finalized, hash('final')])
    const top = Array.from({ length: HEAD.top - HEAD.finalized }, (_, k) => ({ height: HEAD.finalized + 1 + k, hash: hash(`hot-${k}`) }))
    await db.query('INSERT INTO ingest_cursor (chain_id, height, hash, top) VALUES (31337, $1, $2, $3)', [HEAD.finalized, hash('final'), JSON.stringify(top)])
  })
}

type Insert = (table: string, rows: Record<string, unknown>[]) => Promise<void>

function sumBy<T>(items: T[], key: (item: T) => string, amount: (item: T) => bigint) {
  const sums = new Map<string, { amount: bigint; count: number }>()
  for (const item of items) {
    const entry = sums.get(key(item)) ?? { amount: 0n, count: 0 }
    entry.amount += amount(item)
    entry.count++
    sums.set(key(item), entry)
  }
  return sums
}

async function insertStats(insert: Insert, f: Fixture) {
  const stat = (idOf: (e: Edge) => string) =>
    [...sumBy(f.edges, (e) => `${e.epoch}|${idOf(e)}`, (e) => e.amount)].map(([k, v]) => {
      const [epoch, owner] = k.split('|')
      return { id: `${epoch}-${owner}`, owner, epoch: Number(epoch), amount: v.amount.toString(), attributions: v.count }
    })
  await insert('contributor_epoch_stat', stat((e) => e.contributorId).map(({ owner, ...s }) => ({ ...s, contributor_id: owner })))
  await insert('datanet_epoch_stat', stat((e) => e.datanetId).map(({ owner, ...s }) => ({ ...s, datanet_id: owner })))
  const modelOf = new Map(f.inferences.map((i) => [i.id, i.modelId]))
  await insert('attribution_epoch_stat', stat((e) => `${modelOf.get(e.inferenceId)}-${e.datanetId}-${e.contributorId}`).map(({ owner, ...s }) => {
    const [model, datanet, contributor] = owner.split('-')
    return { ...s, model_id: model, datanet_id: datanet, contributor_id: contributor }
  }))
  const byModel = new Map<string, Inference[]>()
  for (const i of f.inferences) byModel.set(`${i.epoch}-${i.modelId}`, [...(byModel.get(`${i.epoch}-${i.modelId}`) ?? []), i])
  await insert('model_epoch_stat', [...byModel].map(([id, list]) => ({
    id, model_id: list[0].modelId, epoch: list[0].epoch, inferences: list.length,
    fees: list.reduce((s, i) => s + i.fee, 0n).toString(), net_fees: list.reduce((s, i) => s + i.net, 0n).toString(),
    data_part: list.reduce((s, i) => s + i.dataPart, 0n).toString(),
  })))
  const byAgent = sumBy(f.inferences, (i) => `${i.epoch}-${i.agentId}`, (i) => i.fee)
  await insert('agent_epoch_stat', [...byAgent].map(([id, v]) => ({ id, agent_id: id.split('-')[1], epoch: Number(id.split('-')[0]), inferences: v.count, fees: v.amount.toString() })))
}

async function insertEpochs(insert: Insert, f: Fixture) {
  await insert('epoch', [...CLOSED_EPOCHS, OPEN_EPOCH].map((n) => {
    const list = f.inferences.filter((i) => i.epoch === n)
    const sum = (pick: (i: Inference) => bigint) => list.reduce((s, i) => s + pick(i), 0n).toString()
    const closed = n !== OPEN_EPOCH
    return {
      id: String(n), number: n, first_block: n * EPOCH_BLOCKS, last_block: n * EPOCH_BLOCKS + EPOCH_BLOCKS - 1, status: closed ? 'CLOSED' : 'OPEN',
      inferences: list.length, fees: sum((i) => i.fee), platform_fees: sum((i) => i.platformFee), net_fees: sum((i) => i.net),
      stakers_pool: sum((i) => i.stakersPart), rolled_in: '0', rolled_over: '0',
      payout_total: closed ? f.payouts.filter((p) => p.epoch === n).reduce((s, p) => s + p.amount, 0n).toString() : '0',
      root: closed ? f.roots.get(n) : null, closed_at_block: closed ? n * EPOCH_BLOCKS + EPOCH_BLOCKS - 1 : null,
    }
  }))
  await insert('epoch_payout', f.payouts.map((p) => ({
    id: `${p.epoch}-${p.account}`, epoch_id: String(p.epoch), account_id: p.account, amount: p.amount.toString(), as_model_owner: p.owner.toString(),
    as_staker: p.staker.toString(), as_contributor: p.contributor.toString(), proof: JSON.stringify(p.proof),
  })))
}

/** A migrated test database seeded with a generated graph, and the API serving it over real HTTP. */
export async function startSeededApi(adminUrl: string, inferenceCount: number, options: ApiOptions = {}) {
  const database = await createTestDatabase(adminUrl)
  const db = await openDatabase(database.url)
  const fixture = generateFixture(inferenceCount)
  await seedFixture(database.url, fixture)
  const server = await startApiServer({ db, logger: createLogger('warn'), port: 0, ...options })
  const { port } = server.address() as AddressInfo
  return {
    fixture,
    db,
    dbUrl: database.url,
    baseUrl: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await db.destroy()
      await database.drop()
    },
  }
}

/**
 * Changes the projection as its writers do, in a transaction that announces its commit, and returns once the API
 * has heard of it: the generation in its responses' ETags (see use-projection-response-cache.ts) has moved on.
 */
export async function changeProjection(api: { url: string; dbUrl: string }, statement: string, params: unknown[]): Promise<void> {
  const before = await responseGeneration(api.url)
  await withClient(api.dbUrl, async (db) => {
    await db.query('BEGIN')
    await db.query(statement, params)
    await noticeCommit(db)
    await db.query('COMMIT')
  })
  await eventually(async () => ((await responseGeneration(api.url)) > before ? true : undefined), 10_000, 'the API to hear of the commit')
}

/** The cache generation a response was computed in, from its ETag (-1 when it carries none). */
export async function responseGeneration(url: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) })
  await response.arrayBuffer()
  const etag = response.headers.get('etag')
  return etag ? Number(etag.split('-')[0]) : -1
}

/** A GraphQL request over HTTP that returns the whole response (data and errors) with its status. */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  })
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }
  return { status: response.status, ...body }
}
