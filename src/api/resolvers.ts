import DataLoader from 'dataloader'
import type { DataSource } from 'typeorm'
import {
  checkPage,
  contributionById,
  contributionsByParent,
  contributorById,
  datanetsByIds,
  deadLetterCounts,
  listContributions,
  listDatanets,
  type ContributionRow,
  type DatanetRow,
  type Page,
} from './queries.js'

/** Per-request state: dataloaders batch the nested lookups of one query into one SQL statement each. */
export interface ApiContext {
  loaders: ReturnType<typeof createLoaders>
}

export function createLoaders(db: DataSource) {
  const pagedLoaders = new Map<string, DataLoader<string, ContributionRow[]>>()
  return {
    datanet: new DataLoader<string, DatanetRow | undefined>((ids) => datanetsByIds(db, ids)),
    /** One loader per (parent kind, page), since the page is part of what is loaded. */
    contributionsOf(parent: 'datanet_id' | 'contributor_id', page: Page) {
      const key = `${parent}:${page.first}:${page.skip}`
      let loader = pagedLoaders.get(key)
      if (!loader) {
        loader = new DataLoader((ids) => contributionsByParent(db, parent, ids, page))
        pagedLoaders.set(key, loader)
      }
      return loader
    },
  }
}

type PageArgs = { first: number; skip: number }

export function createResolvers(db: DataSource) {
  return {
    Query: {
      datanets: (_: unknown, args: PageArgs & { owner?: string }) => listDatanets(db, checkPage(args), args.owner),
      datanet: (_: unknown, { id }: { id: string }, ctx: ApiContext) => ctx.loaders.datanet.load(id),
      contributions: (_: unknown, args: PageArgs & { datanetId?: string; contributor?: string; status?: string }) =>
        listContributions(db, checkPage(args), args),
      contribution: (_: unknown, { id }: { id: string }) => contributionById(db, id),
      contributor: (_: unknown, { id }: { id: string }) => contributorById(db, id),
      deadLetterCounts: () => deadLetterCounts(db),
    },
    Datanet: {
      owner: (d: DatanetRow) => ({ id: d.ownerId }),
      createdAt: (d: DatanetRow) => d.createdAt.toISOString(),
      contributions: (d: DatanetRow, args: PageArgs, ctx: ApiContext) =>
        ctx.loaders.contributionsOf('datanet_id', checkPage(args)).load(d.id),
    },
    Contribution: {
      datanet: (c: ContributionRow, _: unknown, ctx: ApiContext) => ctx.loaders.datanet.load(c.datanetId),
      contributor: (c: ContributionRow) => ({ id: c.contributorId }),
      submittedAt: (c: ContributionRow) => c.submittedAt.toISOString(),
    },
    Contributor: {
      firstSeenBlock: async (c: { id: string; firstSeenBlock?: number }) =>
        c.firstSeenBlock ?? (await contributorById(db, c.id))?.firstSeenBlock,
      contributions: (c: { id: string }, args: PageArgs, ctx: ApiContext) =>
        ctx.loaders.contributionsOf('contributor_id', checkPage(args)).load(c.id),
    },
  }
}
