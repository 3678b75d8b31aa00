import { col, text, TEXT_ID, type EntitySpec } from './spec.js'

/** What inferences paid and whom: settlements, attribution edges, usage records, epochs, payouts, stats. */

const inference: EntitySpec = {
  table: 'inference',
  columns: `t.id, t.model_id AS "modelId", t.model_owner_id AS "modelOwnerId", t.agent_id AS "agentId", t.payer, t.fee,
    t.platform_fee AS "platformFee", t.net, t.model_part AS "modelPart", t.stakers_part AS "stakersPart",
    t.data_part AS "dataPart", t.model_bps AS "modelBps", t.stakers_bps AS "stakersBps", t.data_bps AS "dataBps", t.mode,
    t.block_number AS "blockNumber", t.block_hash AS "blockHash", t.log_index AS "logIndex", t.epoch,
    t.settled_at AS "settledAt", t.tx_hash AS "txHash", t.tokens_in AS "tokensIn", t.tokens_out AS "tokensOut", t.node,
    t.usage_at AS "usageAt"`,
  key: TEXT_ID,
  order: {
    BLOCK_NUMBER: [col('t.block_number', 'int'), col('t.log_index', 'int')],
    FEE: [col('t.fee', 'numeric')],
    SETTLED_AT: [col('t.settled_at', 'timestamptz')],
  },
  defaultOrder: ['BLOCK_NUMBER', 'DESC'],
  filters: {
    id: { sql: 't.id', kind: 'hash' },
    model: { sql: 't.model_id', kind: 'id' },
    modelOwner: { sql: 't.model_owner_id', kind: 'address' },
    agent: { sql: 't.agent_id', kind: 'id' },
    payer: { sql: 't.payer', kind: 'address' },
    node: { sql: 't.node', kind: 'address' },
    epoch: { sql: 't.epoch', kind: 'int' },
    blockNumber: { sql: 't.block_number', kind: 'int' },
    fee: { sql: 't.fee', kind: 'bigint' },
    net: { sql: 't.net', kind: 'bigint' },
    mode: { sql: 't.mode', kind: 'enum' },
    settledAt: { sql: 't.settled_at', kind: 'time' },
    txHash: { sql: 't.tx_hash', kind: 'hash' },
  },
  parents: {
    model: text('t.model_id'),
    agent: text('t.agent_id'),
    modelOwner: text('t.model_owner_id'),
    node: text('t.node'),
    epoch: { sql: 't.epoch', type: 'int' },
  },
}

/**
 * Attribution edges are found by their key and by contribution only (db/migrations, EdgeIndexesTheApiUses,
 * EdgeKeyInByteOrder and EdgeKeyBySettlementBlock): an inference's edges are one range of the key,
 * `<settlement block, 10 digits>-<inference id>-<contribution id>` (src/domain/attribution.ts, attributionEdgeId)
 * compared byte by byte (the column is COLLATE "C"), so every edge of inference X lies between 'P-' and 'P.' where
 * P is X's block and id ('.' follows '-'); inference ids all have the same length (0x and 64 hex digits), so no
 * other inference's edge falls in it. P is read from the inference's row by its primary key (one lookup per
 * inference, planned as an InitPlan whose result bounds the edge key's index scan); an inference that is not
 * there has no edges. The range's bounds are unknown when the statement is planned, so PostgreSQL would guess
 * that 0.5 % of all edges fall in it (40,000 at 8M edges) and plan for that; the redundant equality on
 * inference_id (no index, checked on the few rows the range returns) brings the estimate to the ~8 edges it is.
 * A contributor's or a datanet's edges are those of its contributions, found through the contribution table's
 * indexes. A contribution's contributor and datanet never change, so the edge's own copies always agree.
 */
const edgeKeyPrefix = (inferenceId: string, end: '-' | '.') =>
  `(SELECT lpad(i.block_number::text, 10, '0') || '-' || i.id || '${end}' FROM inference i WHERE i.id = ${inferenceId})`
export const edgesOfInference = (key: string, inferenceColumn: string) => (inferenceId: string) =>
  `(${key} >= ${edgeKeyPrefix(inferenceId, '-')} AND ${key} < ${edgeKeyPrefix(inferenceId, '.')} AND ${inferenceColumn} = ${inferenceId})`
const throughContributions = (condition: string) => `t.contribution_id IN (SELECT c.id FROM contribution c WHERE ${condition})`
const ofContribution = (column: string) => ({ sql: `j.${column}`, type: 'text' as const, join: 'JOIN contribution j ON j.id = t.contribution_id' })

const attributionEdge: EntitySpec = {
  table: 'attribution_edge',
  columns: `t.id, t.inference_id AS "inferenceId", t.contribution_id AS "contributionId", t.contributor_id AS "contributorId",
    t.datanet_id AS "datanetId", t.weight, t.amount, t.epoch`,
  key: TEXT_ID,
  order: { AMOUNT: [col('t.amount', 'numeric')], WEIGHT: [col('t.weight', 'numeric')], EPOCH: [col('t.epoch', 'int')] },
  defaultOrder: ['AMOUNT', 'DESC'],
  filters: {
    inference: { sql: 't.inference_id', kind: 'hash', match: edgesOfInference('t.id', 't.inference_id') },
    contribution: { sql: 't.contribution_id', kind: 'id' },
    contributor: { sql: 'c.contributor_id', kind: 'address', within: throughContributions },
    datanet: { sql: 'c.datanet_id', kind: 'id', within: throughContributions },
    epoch: { sql: 't.epoch', kind: 'int' },
    amount: { sql: 't.amount', kind: 'bigint' },
  },
  parents: {
    inference: { ...text('t.inference_id'), match: edgesOfInference('t.id', 't.inference_id') },
    contribution: text('t.contribution_id'),
    contributor: ofContribution('contributor_id'),
    datanet: ofContribution('datanet_id'),
  },
}

/** A usage record is joined when its inference carries its details: the join sets usage_at, nothing else does. */
const USAGE_JOINED = 'EXISTS (SELECT 1 FROM inference ji WHERE ji.id = t.id AND ji.usage_at IS NOT NULL)'

const usageRecord: EntitySpec = {
  table: 'usage_record',
  columns: `t.id, t.model_id AS "modelId", t.agent_id AS "agentId", t.node, t.tokens_in AS "tokensIn",
    t.tokens_out AS "tokensOut", t.timestamp, t.attributions, ${USAGE_JOINED} AS joined`,
  key: TEXT_ID,
  order: { TIMESTAMP: [col('t.timestamp', 'timestamptz')] },
  defaultOrder: ['TIMESTAMP', 'DESC'],
  filters: {
    id: { sql: 't.id', kind: 'hash' },
    model: { sql: 't.model_id', kind: 'id' },
    agent: { sql: 't.agent_id', kind: 'id' },
    node: { sql: 't.node', kind: 'address' },
    joined: { sql: USAGE_JOINED, kind: 'bool' },
    timestamp: { sql: 't.timestamp', kind: 'time' },
  },
  parents: {},
}

const EPOCH_NUMBER = col('t.number', 'int')

const epoch: EntitySpec = {
  table: 'epoch',
  columns: `t.id, t.number, t.first_block AS "firstBlock", t.last_block AS "lastBlock", t.status, t.inferences, t.fees,
    t.platform_fees AS "platformFees", t.net_fees AS "netFees", t.stakers_pool AS "stakersPool", t.rolled_in AS "rolledIn",
    t.rolled_over AS "rolledOver", t.payout_total AS "payoutTotal", t.root, t.closed_at_block AS "closedAtBlock",
    t.published_root AS "publishedRoot", t.published_total AS "publishedTotal", t.root_matches AS "rootMatches"`,
  key: EPOCH_NUMBER,
  order: { NUMBER: [EPOCH_NUMBER], FEES: [col('t.fees', 'numeric')], NET_FEES: [col('t.net_fees', 'numeric')] },
  defaultOrder: ['NUMBER', 'DESC'],
  filters: {
    number: { sql: 't.number', kind: 'int' },
    status: { sql: 't.status', kind: 'enum' },
    rootMatches: { sql: 't.root_matches', kind: 'bool' },
  },
  parents: {},
}

const epochPayout: EntitySpec = {
  table: 'epoch_payout',
  columns: `t.id, t.epoch_id AS "epochId", t.epoch_id::int AS "epochNumber", t.account_id AS "accountId", t.amount,
    t.as_model_owner AS "asModelOwner", t.as_staker AS "asStaker", t.as_contributor AS "asContributor", t.proof,
    t.claimed_amount AS "claimedAmount", t.claimed_at_block AS "claimedAtBlock"`,
  key: TEXT_ID,
  order: { EPOCH: [col('t.epoch_id::int', 'int')], AMOUNT: [col('t.amount', 'numeric')] },
  defaultOrder: ['EPOCH', 'DESC'],
  filters: {
    epoch: { sql: 't.epoch_id', kind: 'intText' },
    account: { sql: 't.account_id', kind: 'address' },
    amount: { sql: 't.amount', kind: 'bigint' },
    claimed: { sql: '(t.claimed_amount IS NOT NULL)', kind: 'bool' },
  },
  parents: { account: text('t.account_id'), epoch: text('t.epoch_id') },
}

/** The four per-epoch stat tables share a shape: an owner column, the epoch, and amounts. */
function epochStat(table: string, owner: { column: string; field: string; kind: 'address' | 'id' }, amounts: string, amountOrders: EntitySpec['order']): EntitySpec {
  return {
    table,
    columns: `t.id, t.${owner.column} AS "${owner.field}Id", t.epoch, ${amounts}`,
    key: TEXT_ID,
    order: { EPOCH: [col('t.epoch', 'int')], ...amountOrders },
    defaultOrder: ['EPOCH', 'DESC'],
    filters: { [owner.field]: { sql: `t.${owner.column}`, kind: owner.kind }, epoch: { sql: 't.epoch', kind: 'int' } },
    parents: { [owner.field]: text(`t.${owner.column}`), epoch: { sql: 't.epoch', type: 'int' } },
  }
}

const contributorEpochStat = epochStat(
  'contributor_epoch_stat',
  { column: 'contributor_id', field: 'contributor', kind: 'address' },
  't.amount, t.attributions',
  { AMOUNT: [col('t.amount', 'numeric')] },
)
const datanetEpochStat = epochStat(
  'datanet_epoch_stat',
  { column: 'datanet_id', field: 'datanet', kind: 'id' },
  't.amount, t.attributions',
  { AMOUNT: [col('t.amount', 'numeric')] },
)
const modelEpochStat = epochStat(
  'model_epoch_stat',
  { column: 'model_id', field: 'model', kind: 'id' },
  't.inferences, t.fees, t.net_fees AS "netFees", t.data_part AS "dataPart"',
  { FEES: [col('t.fees', 'numeric')], NET_FEES: [col('t.net_fees', 'numeric')] },
)
const agentEpochStat = epochStat(
  'agent_epoch_stat',
  { column: 'agent_id', field: 'agent', kind: 'id' },
  't.inferences, t.fees',
  { FEES: [col('t.fees', 'numeric')] },
)

export const settlementEntities = {
  Inference: inference,
  AttributionEdge: attributionEdge,
  UsageRecord: usageRecord,
  Epoch: epoch,
  EpochPayout: epochPayout,
  ContributorEpochStat: contributorEpochStat,
  DatanetEpochStat: datanetEpochStat,
  ModelEpochStat: modelEpochStat,
  AgentEpochStat: agentEpochStat,
}
