import { topContributors, topDatanets, topModels, type EarningsScope, type RankedRow } from '../analytics.js'
import type { ConnectionArgs } from '../connection.js'
import type { ApiContext } from '../context.js'
import { entities, type EntityName } from '../entities/index.js'
import { userError } from '../errors.js'
import { hexId } from '../filters.js'
import { getArgumentValues } from '../graphql.js'
import {
  LINEAGE_ENTITY,
  LINEAGE_RELATIONS,
  MAX_LINEAGE_DEPTH,
  MAX_LINEAGE_EDGES,
  MAX_LINEAGE_FANOUT,
  walkLineage,
  type LineageDirection,
  type LineageKind,
} from '../lineage.js'
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql'
import { listPage, type Row } from '../listing.js'
import { joinedKey, rowShape } from '../references.js'
import { connectionRowFields, onlyId, subfields } from '../selection.js'
import { deadLetterCounts, indexStatus } from '../status.js'
import { childConnection } from '../children.js'

type Id = { id: string }

/** Top-level lists: the Query field and the entity it lists. */
const LISTS: Record<string, EntityName> = {
  contributors: 'Contributor',
  datanets: 'Datanet',
  contributions: 'Contribution',
  contributionEvents: 'ContributionEvent',
  models: 'Model',
  agents: 'Agent',
  inferenceNodes: 'InferenceNode',
  stakes: 'Stake',
  inferences: 'Inference',
  attributions: 'AttributionEdge',
  usageRecords: 'UsageRecord',
  epochs: 'Epoch',
  epochPayouts: 'EpochPayout',
  contributorEpochStats: 'ContributorEpochStat',
  datanetEpochStats: 'DatanetEpochStat',
  modelEpochStats: 'ModelEpochStat',
  agentEpochStats: 'AgentEpochStat',
}

/** Lookups by id; hex ids (addresses, inference ids) are matched in any letter case. */
const LOOKUPS: Record<string, [EntityName, 'address' | 'hash' | 'plain']> = {
  contributor: ['Contributor', 'address'],
  datanet: ['Datanet', 'plain'],
  contribution: ['Contribution', 'plain'],
  model: ['Model', 'plain'],
  agent: ['Agent', 'plain'],
  inferenceNode: ['InferenceNode', 'address'],
  stake: ['Stake', 'plain'],
  inference: ['Inference', 'hash'],
  usageRecord: ['UsageRecord', 'hash'],
}

interface LineageArgs {
  kind: LineageKind
  id: string
  direction: LineageDirection
  depth: number
  fanout: number
  maxEdges: number
  relations?: string[] | null
}

function bounded(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw userError(`${name} must be between 1 and ${max}`)
  return value
}

function lineageRootId(kind: LineageKind, id: string): string {
  if (kind === 'CONTRIBUTOR') return hexId('address', id, 'id')
  if (kind === 'INFERENCE') return hexId('hash', id, 'id')
  return id
}

async function lineage(args: LineageArgs, ctx: ApiContext) {
  const id = lineageRootId(args.kind, args.id)
  const walked = await walkLineage(ctx.sql, {
    kind: args.kind,
    id,
    direction: args.direction,
    depth: bounded('depth', args.depth, MAX_LINEAGE_DEPTH),
    fanout: bounded('fanout', args.fanout, MAX_LINEAGE_FANOUT),
    maxEdges: bounded('maxEdges', args.maxEdges, MAX_LINEAGE_EDGES),
    relations: args.relations ?? LINEAGE_RELATIONS,
  })
  return walked ? { root: walked.nodes[0], direction: args.direction, ...walked } : null
}

/**
 * The one connection a lookup's selection asks of its row (`inference(id) { attributions { … } }`), with the
 * arguments and row shape its resolver will ask the loaders for: the lookup then fetches the row and that page in
 * one statement. Undefined when the selection asks for none, for several, or for one under several arguments.
 */
function soleChildPage(name: EntityName, info: GraphQLResolveInfo) {
  const asked = [...subfields(info, info.fieldNodes)].filter(([field]) => childConnection(name, field))
  if (asked.length !== 1 || asked[0][1].length !== 1) return undefined
  const [[field, [node]]] = asked
  const [child, relation] = childConnection(name, field)!
  const definition = (info.schema.getType(name) as GraphQLObjectType).getFields()[field]
  let args: ConnectionArgs
  try {
    args = getArgumentValues(definition, node, info.variableValues) as ConnectionArgs
  } catch {
    return undefined // arguments the child's own resolution will refuse, with the error in its place
  }
  return { name: child, relation, args, shape: rowShape(child, connectionRowFields(info, [node]), info) }
}

export function queryResolvers() {
  const query: Record<string, (root: unknown, args: never, ctx: ApiContext, info: GraphQLResolveInfo) => unknown> = {}
  for (const [field, name] of Object.entries(LISTS)) {
    query[field] = (_, args: ConnectionArgs, ctx, info) =>
      listPage(ctx.sql, entities[name], args, rowShape(name, connectionRowFields(info, info.fieldNodes), info), () => ctx.loaders.count(name, args.where))
  }
  for (const [field, [name, kind]] of Object.entries(LOOKUPS)) {
    query[field] = (_, { id }: Id, ctx, info) => {
      const key = kind === 'plain' ? id : hexId(kind, id, 'id')
      const child = soleChildPage(name, info)
      return child ? ctx.loaders.withChildren(name, key, child) : ctx.loaders.entity(name).load(key)
    }
  }
  return {
    ...query,
    epoch: (_: unknown, { number }: { number: number }, ctx: ApiContext) => ctx.loaders.entity('Epoch').load(String(number)),
    epochPayout: (_: unknown, { epoch, account }: { epoch: number; account: string }, ctx: ApiContext) =>
      ctx.loaders.entity('EpochPayout').load(`${epoch}-${hexId('address', account, 'account')}`),
    topContributors: (_: unknown, args: RankingArgs, ctx: ApiContext, info: GraphQLResolveInfo) =>
      topContributors(ctx.sql, args.scope ?? {}, args.first, rankedRow(info, 'contributor', 'Contributor')),
    topDatanets: (_: unknown, args: RankingArgs, ctx: ApiContext, info: GraphQLResolveInfo) =>
      topDatanets(ctx.sql, args.scope ?? {}, args.first, rankedRow(info, 'datanet', 'Datanet')),
    topModels: (_: unknown, args: RankingArgs, ctx: ApiContext, info: GraphQLResolveInfo) =>
      topModels(ctx.sql, args.scope ?? {}, args.first, rankedRow(info, 'model', 'Model')),
    lineage: (_: unknown, args: LineageArgs, ctx: ApiContext) => lineage(args, ctx),
    _meta: (_: unknown, __: unknown, ctx: ApiContext) => indexStatus(ctx.sql),
    deadLetterCounts: (_: unknown, __: unknown, ctx: ApiContext) => deadLetterCounts(ctx.sql),
  }
}

interface RankingArgs {
  scope?: EarningsScope | null
  first: number
}

/** The ranked entity's row, to be joined into the ranking, when the query asks it for more than its id. */
function rankedRow(info: GraphQLResolveInfo, field: string, name: EntityName): RankedRow | undefined {
  const nodes = subfields(info, info.fieldNodes).get(field)
  return nodes && !onlyId(subfields(info, nodes)) ? { field, entity: entities[name] } : undefined
}

/**
 * Ranked rows and lineage nodes carry ids. A ranked entity's row comes joined into its ranking when more than
 * the id is asked (rankedRow), and the id alone answers otherwise; lineage nodes' entities load in batches.
 */
export function analyticsResolvers() {
  const ranked = (field: string, name: EntityName) => (row: Row, _: unknown, ctx: ApiContext, info: GraphQLResolveInfo) => {
    const joined = row[joinedKey(field)]
    if (joined !== undefined) return joined
    return onlyId(subfields(info, info.fieldNodes)) ? { id: row.id } : ctx.loaders.entity(name).load(String(row.id))
  }
  return {
    ContributorEarnings: { contributor: ranked('contributor', 'Contributor'), attributions: (row: Row) => row.count },
    DatanetEarnings: { datanet: ranked('datanet', 'Datanet'), attributions: (row: Row) => row.count },
    ModelEarnings: { model: ranked('model', 'Model'), inferences: (row: Row) => row.count },
    LineageNode: {
      entity: async (node: { kind: LineageKind; id: string }, _: unknown, ctx: ApiContext) => {
        const name = LINEAGE_ENTITY[node.kind]
        const row = await ctx.loaders.entity(name).load(node.id)
        return row && { ...row, __typename: name }
      },
    },
    Rollback: { meta: (_: unknown, __: unknown, ctx: ApiContext) => indexStatus(ctx.sql) },
  }
}
