import DataLoader from 'dataloader'
import type { Connection, ConnectionArgs } from './connection.js'
import { entities, type EntityName } from './entities/index.js'
import { countByParent, countRows, listPagesByParent, rowsByIds, rowWithChildren, type Row } from './listing.js'
import type { RowShape } from './references.js'
import type { Sql } from './sql.js'

/** Sums of attribution earnings per owner, for the `earned` fields (whitelisted statements). */
const EARNINGS = {
  contribution: 'SELECT contribution_id AS id, sum(amount)::text AS amount FROM attribution_edge WHERE contribution_id = ANY($1::text[]) GROUP BY 1',
  contributor: 'SELECT contributor_id AS id, sum(amount)::text AS amount FROM contributor_epoch_stat WHERE contributor_id = ANY($1::text[]) GROUP BY 1',
  datanet: 'SELECT datanet_id AS id, sum(amount)::text AS amount FROM datanet_epoch_stat WHERE datanet_id = ANY($1::text[]) GROUP BY 1',
} as const

export type Loaders = ReturnType<typeof createLoaders>

/**
 * Per-request batching: every lookup of one kind made while resolving one level of a query becomes one SQL
 * statement (N+1 avoided). Loaders are keyed by what they load, including the page arguments of children.
 */
export function createLoaders(sql: Sql) {
  const cache = new Map<string, DataLoader<string, unknown>>()
  function loader<V>(key: string, batch: (ids: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    let found = cache.get(key) as DataLoader<string, V> | undefined
    if (!found) cache.set(key, (found = new DataLoader<string, V>(batch)) as DataLoader<string, unknown>)
    return found
  }

  const childCount = (name: EntityName, relation: string, where: ConnectionArgs['where']) =>
    loader(`count:${name}:${relation}:${canonicalJson(where ?? {})}`, (ids) => countByParent(sql, entities[name], relation, ids, where))

  const entity = (name: EntityName) => loader<Row | null>(`entity:${name}`, (ids) => rowsByIds(sql, entities[name], ids))

  /**
   * A page of a parent's children (`relation` as in the child's spec), batched over parents with equal
   * arguments and row shape (the columns selected, the references joined in). Arguments are keyed in a canonical
   * form: a page loaded ahead (`withChildren`) is found whatever order its argument object was built in.
   */
  const children = (name: EntityName, relation: string, args: ConnectionArgs, shape: RowShape) =>
    loader<Connection<Row>>(
      `children:${name}:${relation}:${canonicalJson(args)}:${shape.joins.map((j) => j.field).join(',')}:${shape.columns}`,
      (ids) => listPagesByParent(sql, entities[name], relation, ids, args, shape, (id) => childCount(name, relation, args.where).load(id)),
    )

  return {
    /** A row by primary key, or null. */
    entity,
    children,

    /**
     * A row by primary key with one page of its children, in one statement; both are left in the loaders
     * above, where the row's resolver and its children's find them.
     */
    async withChildren(name: EntityName, id: string, child: { name: EntityName; relation: string; args: ConnectionArgs; shape: RowShape }): Promise<Row | null> {
      const found = await rowWithChildren(sql, entities[name], id, {
        spec: entities[child.name],
        relation: child.relation,
        args: child.args,
        shape: child.shape,
        count: () => childCount(child.name, child.relation, child.args.where).load(id),
      })
      entity(name).prime(id, found?.row ?? null)
      if (found) children(child.name, child.relation, child.args, child.shape).prime(String(found.row.id), found.page)
      return found?.row ?? null
    },

    /** Rows of a top-level list matching `where`: one statement however many aliases ask for the same count. */
    count: (name: EntityName, where: ConnectionArgs['where']) =>
      loader<number>(`total:${name}`, (keys) => Promise.all(keys.map((key) => countRows(sql, entities[name], { where: JSON.parse(key) })))).load(
        JSON.stringify(where ?? null),
      ),

    /** Wei earned through attribution, per contribution, contributor or datanet. */
    earned: (owner: keyof typeof EARNINGS) =>
      loader<string>(`earned:${owner}`, async (ids) => {
        const rows = await sql.query<{ id: string; amount: string }>(EARNINGS[owner], [ids], { prepare: true })
        const sums = new Map(rows.map((r) => [r.id, r.amount]))
        return ids.map((id) => sums.get(id) ?? '0')
      }),
  }
}

/** JSON with object keys sorted and undefined members left out, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  )
}
