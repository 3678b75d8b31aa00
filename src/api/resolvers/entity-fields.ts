import { verifyPayout } from '../../domain/payouts.js'
import type { ConnectionArgs } from '../connection.js'
import type { ApiContext } from '../context.js'
import type { EntityName } from '../entities/index.js'
import type { Row } from '../listing.js'
import { reconcileEpochRows, type EpochRow } from '../reconciliation.js'

type FieldResolver = (row: Row, args: never, ctx: ApiContext) => unknown

/** To-one fields: the target entity and the row's column holding its id (loaded in batches). */
const REFERENCES: Partial<Record<EntityName, Record<string, [EntityName, string]>>> = {
  Datanet: { owner: ['Contributor', 'ownerId'] },
  Contribution: { datanet: ['Datanet', 'datanetId'], contributor: ['Contributor', 'contributorId'] },
  ContributionEvent: { contribution: ['Contribution', 'contributionId'] },
  Model: { owner: ['Contributor', 'ownerId'], baseModel: ['Model', 'baseModelId'] },
  FeeSplitChange: { model: ['Model', 'modelId'] },
  Agent: { owner: ['Contributor', 'ownerId'] },
  InferenceNode: { operator: ['Contributor', 'operatorId'] },
  Stake: { recipient: ['Contributor', 'recipientId'] },
  StakeTopUp: { stake: ['Stake', 'stakeId'] },
  Inference: {
    model: ['Model', 'modelId'],
    modelOwner: ['Contributor', 'modelOwnerId'],
    agent: ['Agent', 'agentId'],
    usageRecord: ['UsageRecord', 'id'],
  },
  AttributionEdge: {
    inference: ['Inference', 'inferenceId'],
    contribution: ['Contribution', 'contributionId'],
    contributor: ['Contributor', 'contributorId'],
    datanet: ['Datanet', 'datanetId'],
  },
  EpochPayout: { epoch: ['Epoch', 'epochId'], account: ['Contributor', 'accountId'] },
  // A stat and the payout of the same epoch and address share their id, "<epoch>-<address>".
  ContributorEpochStat: { contributor: ['Contributor', 'contributorId'], payout: ['EpochPayout', 'id'] },
  DatanetEpochStat: { datanet: ['Datanet', 'datanetId'] },
  ModelEpochStat: { model: ['Model', 'modelId'] },
  AgentEpochStat: { agent: ['Agent', 'agentId'] },
}

/** To-many fields: the child entity and the parent relation in its spec (entities/). */
const CHILDREN: Partial<Record<EntityName, Record<string, [EntityName, string]>>> = {
  Contributor: {
    datanets: ['Datanet', 'owner'],
    contributions: ['Contribution', 'contributor'],
    models: ['Model', 'owner'],
    agents: ['Agent', 'owner'],
    inferenceNodes: ['InferenceNode', 'operator'],
    stakes: ['Stake', 'recipient'],
    attributions: ['AttributionEdge', 'contributor'],
    earnings: ['ContributorEpochStat', 'contributor'],
    payouts: ['EpochPayout', 'account'],
  },
  Datanet: {
    contributions: ['Contribution', 'datanet'],
    models: ['Model', 'datanet'],
    attributions: ['AttributionEdge', 'datanet'],
    stats: ['DatanetEpochStat', 'datanet'],
  },
  Contribution: { history: ['ContributionEvent', 'contribution'], attributions: ['AttributionEdge', 'contribution'] },
  Model: {
    datanets: ['Datanet', 'model'],
    adapters: ['Model', 'baseModel'],
    feeSplits: ['FeeSplitChange', 'model'],
    inferences: ['Inference', 'model'],
    stats: ['ModelEpochStat', 'model'],
  },
  Agent: { inferences: ['Inference', 'agent'], stats: ['AgentEpochStat', 'agent'] },
  InferenceNode: { inferences: ['Inference', 'node'] },
  Stake: { topUps: ['StakeTopUp', 'stake'] },
  Inference: { attributions: ['AttributionEdge', 'inference'] },
  Epoch: {
    settlements: ['Inference', 'epoch'],
    payouts: ['EpochPayout', 'epoch'],
    contributorStats: ['ContributorEpochStat', 'epoch'],
    datanetStats: ['DatanetEpochStat', 'epoch'],
    modelStats: ['ModelEpochStat', 'epoch'],
    agentStats: ['AgentEpochStat', 'epoch'],
  },
}

/** Fields computed beyond the columns. */
const COMPUTED: Record<string, Record<string, FieldResolver>> = {
  Contributor: {
    payout: (row, { epoch }: { epoch: number }, ctx) => ctx.loaders.entity('EpochPayout').load(`${epoch}-${row.id}`),
    earned: (row, _, ctx) => ctx.loaders.earned('contributor').load(String(row.id)),
  },
  Datanet: { earned: (row, _, ctx) => ctx.loaders.earned('datanet').load(String(row.id)) },
  Contribution: { earned: (row, _, ctx) => ctx.loaders.earned('contribution').load(String(row.id)) },
  Epoch: { reconciliation: (row, _, ctx) => reconcileEpochRows(ctx.sql, row as unknown as EpochRow) },
  EpochPayout: {
    root: async (row, _, ctx) => (await ctx.loaders.entity('Epoch').load(String(row.epochId)))?.root ?? null,
    verified: async (row, _, ctx) => {
      const epoch = await ctx.loaders.entity('Epoch').load(String(row.epochId))
      const root = epoch?.root as string | null | undefined
      return root != null && verifyPayout(root, String(row.accountId), BigInt(String(row.amount)), row.proof as string[])
    },
  },
}

export function entityFieldResolvers(): Record<string, Record<string, FieldResolver>> {
  const resolvers: Record<string, Record<string, FieldResolver>> = {}
  const on = (type: string) => (resolvers[type] ??= {})
  for (const [type, fields] of Object.entries(REFERENCES)) {
    for (const [field, [target, column]] of Object.entries(fields)) {
      on(type)[field] = (row, _, ctx) => (row[column] == null ? null : ctx.loaders.entity(target).load(String(row[column])))
    }
  }
  for (const [type, fields] of Object.entries(CHILDREN)) {
    for (const [field, [child, relation]] of Object.entries(fields)) {
      on(type)[field] = (row, args: ConnectionArgs, ctx) => ctx.loaders.children(child, relation, args).load(String(row.id))
    }
  }
  for (const [type, fields] of Object.entries(COMPUTED)) Object.assign(on(type), fields)
  return resolvers
}
