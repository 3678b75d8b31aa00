import { col, NUMERIC_ID, text, TEXT_ID, type EntitySpec } from './spec.js'

/** The attribution graph's registry entities: contributors, datanets, contributions, models, agents, nodes, stakes. */
const contributor: EntitySpec = {
  table: 'contributor',
  columns: 't.id, t.first_seen_block AS "firstSeenBlock"',
  key: TEXT_ID,
  order: { ID: [TEXT_ID], FIRST_SEEN_BLOCK: [col('t.first_seen_block', 'int')] },
  defaultOrder: ['ID', 'ASC'],
  filters: { id: { sql: 't.id', kind: 'address' }, firstSeenBlock: { sql: 't.first_seen_block', kind: 'int' } },
  parents: {},
}

const datanet: EntitySpec = {
  table: 'datanet',
  columns: `t.id, t.owner_id AS "ownerId", t.metadata_uri AS "metadataURI", t.created_at_block AS "createdAtBlock",
    t.created_at AS "createdAt", t.tx_hash AS "txHash"`,
  key: NUMERIC_ID,
  order: { ID: [NUMERIC_ID], CREATED_AT_BLOCK: [col('t.created_at_block', 'int')] },
  defaultOrder: ['ID', 'ASC'],
  filters: {
    id: { sql: 't.id', kind: 'id' },
    owner: { sql: 't.owner_id', kind: 'address' },
    createdAtBlock: { sql: 't.created_at_block', kind: 'int' },
    createdAt: { sql: 't.created_at', kind: 'time' },
  },
  parents: {
    owner: text('t.owner_id'),
    model: { sql: 'j.model_id', type: 'text', join: 'JOIN model_datanet j ON j.datanet_id = t.id' },
  },
}

const contribution: EntitySpec = {
  table: 'contribution',
  columns: `t.id, t.datanet_id AS "datanetId", t.contributor_id AS "contributorId", t.content_hash AS "contentHash",
    t.stake, t.status, t.slashed_amount AS "slashedAmount", t.slashed_at_block AS "slashedAtBlock",
    t.reviewed_at_block AS "reviewedAtBlock", t.submitted_at_block AS "submittedAtBlock", t.submitted_at AS "submittedAt",
    t.tx_hash AS "txHash"`,
  key: NUMERIC_ID,
  order: { ID: [NUMERIC_ID], SUBMITTED_AT_BLOCK: [col('t.submitted_at_block', 'int')], STAKE: [col('t.stake', 'numeric')] },
  defaultOrder: ['ID', 'ASC'],
  filters: {
    id: { sql: 't.id', kind: 'id' },
    datanet: { sql: 't.datanet_id', kind: 'id' },
    contributor: { sql: 't.contributor_id', kind: 'address' },
    status: { sql: 't.status', kind: 'enum' },
    stake: { sql: 't.stake', kind: 'bigint' },
    contentHash: { sql: 't.content_hash', kind: 'hash' },
    submittedAtBlock: { sql: 't.submitted_at_block', kind: 'int' },
    submittedAt: { sql: 't.submitted_at', kind: 'time' },
    slashed: { sql: '(t.slashed_at_block IS NOT NULL)', kind: 'bool' },
  },
  parents: { datanet: text('t.datanet_id'), contributor: text('t.contributor_id') },
}

const contributionEvent: EntitySpec = {
  table: 'contribution_event',
  columns: `t.id, t.contribution_id AS "contributionId", t.kind, t.actor, t.amount, t.reason, t.block_number AS "blockNumber",
    t.log_index AS "logIndex", t.at, t.tx_hash AS "txHash"`,
  key: TEXT_ID,
  order: { BLOCK_NUMBER: [col('t.block_number', 'int'), col('t.log_index', 'int')] },
  defaultOrder: ['BLOCK_NUMBER', 'ASC'],
  filters: {
    contribution: { sql: 't.contribution_id', kind: 'id' },
    kind: { sql: 't.kind', kind: 'enum' },
    blockNumber: { sql: 't.block_number', kind: 'int' },
  },
  parents: { contribution: text('t.contribution_id') },
}

const model: EntitySpec = {
  table: 'model',
  columns: `t.id, t.owner_id AS "ownerId", t.base_model_id AS "baseModelId", t.is_adapter AS "isAdapter",
    t.metadata_uri AS "metadataURI", t.registered_at_block AS "registeredAtBlock", t.registered_at AS "registeredAt",
    t.tx_hash AS "txHash", t.model_bps AS "modelBps", t.stakers_bps AS "stakersBps", t.data_bps AS "dataBps"`,
  key: NUMERIC_ID,
  order: { ID: [NUMERIC_ID], REGISTERED_AT_BLOCK: [col('t.registered_at_block', 'int')] },
  defaultOrder: ['ID', 'ASC'],
  filters: {
    id: { sql: 't.id', kind: 'id' },
    owner: { sql: 't.owner_id', kind: 'address' },
    baseModel: { sql: 't.base_model_id', kind: 'id' },
    isAdapter: { sql: 't.is_adapter', kind: 'bool' },
    registeredAtBlock: { sql: 't.registered_at_block', kind: 'int' },
  },
  parents: {
    owner: text('t.owner_id'),
    baseModel: text('t.base_model_id'),
    datanet: { sql: 'j.datanet_id', type: 'text', join: 'JOIN model_datanet j ON j.model_id = t.id' },
  },
}

const feeSplitChange: EntitySpec = {
  table: 'fee_split_change',
  columns: `t.id, t.model_id AS "modelId", t.model_bps AS "modelBps", t.stakers_bps AS "stakersBps", t.data_bps AS "dataBps",
    t.block_number AS "blockNumber", t.log_index AS "logIndex"`,
  key: TEXT_ID,
  order: { BLOCK_NUMBER: [col('t.block_number', 'int'), col('t.log_index', 'int')] },
  defaultOrder: ['BLOCK_NUMBER', 'ASC'],
  filters: { blockNumber: { sql: 't.block_number', kind: 'int' } },
  parents: { model: text('t.model_id') },
}

const agent: EntitySpec = {
  table: 'agent',
  columns: `t.id, t.owner_id AS "ownerId", t.metadata_uri AS "metadataURI", t.registered_at_block AS "registeredAtBlock",
    t.registered_at AS "registeredAt", t.tx_hash AS "txHash"`,
  key: NUMERIC_ID,
  order: { ID: [NUMERIC_ID], REGISTERED_AT_BLOCK: [col('t.registered_at_block', 'int')] },
  defaultOrder: ['ID', 'ASC'],
  filters: { id: { sql: 't.id', kind: 'id' }, owner: { sql: 't.owner_id', kind: 'address' } },
  parents: { owner: text('t.owner_id') },
}

const inferenceNode: EntitySpec = {
  table: 'inference_node',
  columns: `t.id, t.operator_id AS "operatorId", t.registered_at_block AS "registeredAtBlock", t.registered_at AS "registeredAt",
    t.revoked_at_block AS "revokedAtBlock", t.revoked_at AS "revokedAt"`,
  key: TEXT_ID,
  order: { ID: [TEXT_ID], REGISTERED_AT_BLOCK: [col('t.registered_at_block', 'int')] },
  defaultOrder: ['ID', 'ASC'],
  filters: {
    id: { sql: 't.id', kind: 'address' },
    operator: { sql: 't.operator_id', kind: 'address' },
    revoked: { sql: '(t.revoked_at_block IS NOT NULL)', kind: 'bool' },
  },
  parents: { operator: text('t.operator_id') },
}

const stake: EntitySpec = {
  table: 'stake',
  columns: `t.id, t.recipient_id AS "recipientId", t.amount, t.principal, t.status, t.staked_at_block AS "stakedAtBlock",
    t.ended_at_block AS "endedAtBlock"`,
  key: NUMERIC_ID,
  order: { ID: [NUMERIC_ID], STAKED_AT_BLOCK: [col('t.staked_at_block', 'int')], PRINCIPAL: [col('t.principal', 'numeric')] },
  defaultOrder: ['ID', 'ASC'],
  filters: {
    recipient: { sql: 't.recipient_id', kind: 'address' },
    status: { sql: 't.status', kind: 'enum' },
    principal: { sql: 't.principal', kind: 'bigint' },
  },
  parents: { recipient: text('t.recipient_id') },
}

const stakeTopUp: EntitySpec = {
  table: 'stake_top_up',
  columns: 't.id, t.stake_id AS "stakeId", t.amount, t.block_number AS "blockNumber"',
  key: TEXT_ID,
  order: { BLOCK_NUMBER: [col('t.block_number', 'int')] },
  defaultOrder: ['BLOCK_NUMBER', 'ASC'],
  filters: {},
  parents: { stake: text('t.stake_id') },
}

export const graphEntities = {
  Contributor: contributor,
  Datanet: datanet,
  Contribution: contribution,
  ContributionEvent: contributionEvent,
  Model: model,
  FeeSplitChange: feeSplitChange,
  Agent: agent,
  InferenceNode: inferenceNode,
  Stake: stake,
  StakeTopUp: stakeTopUp,
}
