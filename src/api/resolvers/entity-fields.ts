import type { GraphQLResolveInfo } from 'graphql'
import type { ConnectionArgs } from '../connection.js'
import type { ApiContext } from '../context.js'
import type { EntityName } from '../entities/index.js'
import { isNonNullType } from '../graphql.js'
import type { Row } from '../listing.js'
import { verifiedPayout } from '../payout-verification.js'
import { reconcileEpochRows, type EpochRow } from '../reconciliation.js'
import { CHILDREN } from '../children.js'
import { joinedKey, REFERENCES, rowShape, type Reference } from '../references.js'
import { connectionRowFields, onlyId, subfields } from '../selection.js'

type FieldResolver = (row: Row, args: never, ctx: ApiContext, info: GraphQLResolveInfo) => unknown


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
    root: async (row, _, ctx) => (await payoutEpoch(row, ctx))?.root ?? null,
    verified: async (row, _, ctx) => {
      const root = (await payoutEpoch(row, ctx))?.root as string | null | undefined
      return root != null && verifiedPayout(root, String(row.accountId), String(row.amount), row.proof as string[])
    },
  },
}

/** A payout's epoch: joined into the payout's row when the query reads it, else loaded. */
function payoutEpoch(row: Row, ctx: ApiContext): Row | null | Promise<Row | null> {
  const joined = row[joinedKey('epoch')] as Row | null | undefined
  return joined !== undefined ? joined : ctx.loaders.entity('Epoch').load(String(row.epochId))
}

/**
 * A to-one field: the row joined into its parent's statement if it was, just its id when that is all the query
 * asks of a reference known to exist (non-null in the schema, or set only while its row exists: the parent row
 * holds the id already), else a batched load.
 */
function referenceResolver({ target, column, existsWhenSet }: Reference, field: string): FieldResolver {
  const key = joinedKey(field)
  return (row, _, ctx, info) => {
    const id = row[column]
    if (id == null) return null
    const joined = row[key]
    if (joined !== undefined) return joined
    if ((existsWhenSet || isNonNullType(info.returnType)) && onlyId(subfields(info, info.fieldNodes))) return { id }
    return ctx.loaders.entity(target).load(String(id))
  }
}

export function entityFieldResolvers(): Record<string, Record<string, FieldResolver>> {
  const resolvers: Record<string, Record<string, FieldResolver>> = {}
  const on = (type: string) => (resolvers[type] ??= {})
  for (const [type, fields] of Object.entries(REFERENCES)) {
    for (const [field, reference] of Object.entries(fields)) on(type)[field] = referenceResolver(reference, field)
  }
  for (const [type, fields] of Object.entries(CHILDREN)) {
    for (const [field, [child, relation]] of Object.entries(fields)) {
      on(type)[field] = (row, args: ConnectionArgs, ctx, info) =>
        ctx.loaders.children(child, relation, args, rowShape(child, connectionRowFields(info, info.fieldNodes), info)).load(String(row.id))
    }
  }
  for (const [type, fields] of Object.entries(COMPUTED)) Object.assign(on(type), fields)
  return resolvers
}
