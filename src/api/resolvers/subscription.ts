import { filter, map, pipe } from 'graphql-yoga'
import type { ChangeBus } from '../change-bus.js'
import type { ApiContext } from '../context.js'
import type { EntityName } from '../entities/index.js'
import { hexId } from '../filters.js'
import type { Row } from '../listing.js'
import { createLoaders } from '../loaders.js'

/**
 * Subscriptions over the change feed. A notification carries ids only; each event loads its row after the
 * commit it announces, with fresh loaders so nested fields never see rows cached for an earlier event.
 */
export function subscriptionResolvers(bus: ChangeBus) {
  const load = (ctx: ApiContext, name: EntityName, id: string) => {
    ctx.loaders = createLoaders(ctx.sql)
    return ctx.loaders.entity(name).load(id)
  }
  const found = (row: Row | null): row is Row => row != null
  const asIs = (row: Row) => row

  return {
    inferenceSettled: {
      subscribe: (_: unknown, args: { model?: string | null; agent?: string | null }, ctx: ApiContext) =>
        pipe(
          bus.subscribe('inference'),
          filter((change) => (args.model == null || change.model === args.model) && (args.agent == null || change.agent === args.agent)),
          // A fork's undo may re-insert and then delete a row in one transaction: only rows still there count.
          map((change) => load(ctx, 'Inference', change.id)),
          filter(found),
        ),
      resolve: asIs,
    },
    contributorEarnings: {
      subscribe: (_: unknown, args: { contributor?: string | null }, ctx: ApiContext) => {
        const contributor = args.contributor == null ? null : hexId('address', args.contributor, 'contributor')
        return pipe(
          bus.subscribe('earnings'),
          filter((change) => contributor == null || change.contributor === contributor),
          // Undone by a fork, the stat is gone: it now stands at zero.
          map(async (change) =>
            (await load(ctx, 'ContributorEpochStat', change.id)) ??
            { id: change.id, contributorId: change.contributor, epoch: change.epoch, amount: '0', attributions: 0 },
          ),
        )
      },
      resolve: asIs,
    },
    epochClosed: {
      subscribe: (_: unknown, __: unknown, ctx: ApiContext) =>
        pipe(
          bus.subscribe('epochClosed'),
          map((change) => load(ctx, 'Epoch', change.id)),
          filter(found),
        ),
      resolve: asIs,
    },
    rollback: {
      subscribe: (_: unknown, __: unknown, ctx: ApiContext) =>
        pipe(
          bus.subscribe('rollback'),
          map((change) => {
            ctx.loaders = createLoaders(ctx.sql)
            return { fromBlock: change.fromBlock, toBlock: change.toBlock, undoneEvents: change.events }
          }),
        ),
      resolve: (rollback: object) => rollback,
    },
  }
}
