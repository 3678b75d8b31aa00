import {
  beyondCursor,
  cursorColumns,
  cursorConditions,
  orderSql,
  planPage,
  toConnection,
  type Connection,
  type ConnectionArgs,
  type PagePlan,
} from './connection.js'
import type { EntitySpec } from './entities/index.js'
import { ofParent } from './entities/spec.js'
import { filterConditions } from './filters.js'
import { attachJoined, joinSql, selectAliases, wholeRows, type RowShape } from './references.js'
import { SqlParams, type Sql } from './sql.js'

/** A projected row, its columns aliased to GraphQL field names. */
export type Row = Record<string, unknown>

/** One relation by which a parent lists an entity (e.g. a datanet's contributions). */
export interface ParentScope {
  relation: string
  id: string
}

function planFor(spec: EntitySpec, args: ConnectionArgs): PagePlan {
  const [defaultField, defaultDirection] = spec.defaultOrder
  return planPage(args, { columns: spec.order, key: spec.key, defaultField, defaultDirection })
}

function parentOf(spec: EntitySpec, relation: string) {
  const parent = spec.parents[relation]
  if (!parent) throw new Error(`${spec.table} has no parent relation ${relation}`)
  return parent
}

function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''
}

/** Conditions shared by a page, its count and its neighbour check: the parent (if any) and the filters. */
function scopeConditions(params: SqlParams, spec: EntitySpec, args: ConnectionArgs, scope?: ParentScope) {
  const conditions = filterConditions(params, spec.filters, args.where)
  if (!scope) return { join: '', conditions }
  const parent = parentOf(spec, scope.relation)
  return { join: parent.join ?? '', conditions: [ofParent(parent, params.add(scope.id, parent.type)), ...conditions] }
}

/** One page of a top-level list; `count` counts its rows when asked (by default, a statement of its own). */
export async function listPage(
  sql: Sql,
  spec: EntitySpec,
  args: ConnectionArgs,
  { columns, joins }: RowShape = wholeRows(spec),
  count: () => Promise<number> = () => countRows(sql, spec, args),
  scope?: ParentScope,
): Promise<Connection<Row>> {
  const plan = planFor(spec, args)
  const params = new SqlParams()
  const { join, conditions } = scopeConditions(params, spec, args, scope)
  const joined = joinSql(joins)
  const rows = await sql.query<Row>(
    `SELECT ${columns}, ${cursorColumns(plan)}${joined.select} FROM ${spec.table} t ${join} ${joined.from}
     ${whereClause([...conditions, ...cursorConditions(params, plan)])}
     ORDER BY ${orderSql(plan)} LIMIT ${params.add(plan.size + 1, 'int')}`,
    params.values,
  )
  return toConnection(attachJoined(rows, joins), plan, {
    count,
    beyond: (cursor, side) => rowsBeyond(sql, spec, args, plan, cursor, side, scope),
  })
}

/**
 * The same page of children for many parents in one statement (a LATERAL subquery per parent keeps each
 * parent's page an index scan), for the dataloaders.
 */
export async function listPagesByParent(
  sql: Sql,
  spec: EntitySpec,
  relation: string,
  parentIds: readonly string[],
  args: ConnectionArgs,
  { columns, joins }: RowShape,
  count: (parentId: string) => Promise<number>,
): Promise<Connection<Row>[]> {
  const plan = planFor(spec, args)
  const parent = parentOf(spec, relation)
  const params = new SqlParams()
  const parents = params.add(parentIds, `${parent.type}[]`)
  const conditions = [ofParent(parent, 'p.parent'), ...filterConditions(params, spec.filters, args.where), ...cursorConditions(params, plan)]
  const joined = joinSql(joins)
  const rows = await sql.query<Row & { __parent: unknown }>(
    `SELECT p.parent::text AS "__parent", x.* FROM unnest(${parents}) AS p(parent)
     CROSS JOIN LATERAL (
       SELECT ${columns}, ${cursorColumns(plan)}${joined.select} FROM ${spec.table} t ${parent.join ?? ''} ${joined.from}
       ${whereClause(conditions)} ORDER BY ${orderSql(plan)} LIMIT ${params.add(plan.size + 1, 'int')}
     ) x`,
    params.values,
  )
  attachJoined(rows, joins)
  const byParent = new Map<string, Row[]>(parentIds.map((id) => [id, []]))
  for (const row of rows) byParent.get(String(row.__parent))?.push(row)
  return parentIds.map((id) =>
    toConnection(byParent.get(id)!, plan, {
      count: () => count(id),
      beyond: (cursor, side) => rowsBeyond(sql, spec, args, plan, cursor, side, { relation, id }),
    }),
  )
}

/**
 * A row by id and one page of its children, in one statement (a lookup and the connection it asks for). The
 * children come as in listPagesByParent, numbered; the parent's columns (aliased `__p.<field>`) are set on the
 * first of them only, or on the single row of nulls a parent without children gets, so they are parsed once.
 * No row: no parent.
 */
export async function rowWithChildren(
  sql: Sql,
  parentSpec: EntitySpec,
  id: string,
  child: { spec: EntitySpec; relation: string; args: ConnectionArgs; shape: RowShape; count: () => Promise<number> },
): Promise<{ row: Row; page: Connection<Row> } | null> {
  const { spec, relation, args } = child
  const { columns, joins } = child.shape
  const plan = planFor(spec, args)
  const parent = parentOf(spec, relation)
  const params = new SqlParams()
  const parentId = params.add(id, 'text')
  const conditions = [ofParent(parent, `p.id::${parent.type}`), ...filterConditions(params, spec.filters, args.where), ...cursorConditions(params, plan)]
  const joined = joinSql(joins)
  const aliases = selectAliases(parentSpec)
  const rows = await sql.query<Row>(
    `SELECT ${aliases.map((alias) => `CASE WHEN coalesce(x.__n, 1) = 1 THEN p."${alias}" END AS "__p.${alias}"`).join(', ')}, x.*
     FROM (SELECT ${parentSpec.columns} FROM ${parentSpec.table} t WHERE t.id = ${parentId}) p
     LEFT JOIN LATERAL (
       SELECT y.*, (row_number() OVER ())::int AS __n FROM (
         SELECT ${columns}, ${cursorColumns(plan)}${joined.select} FROM ${spec.table} t ${parent.join ?? ''} ${joined.from}
         ${whereClause(conditions)} ORDER BY ${orderSql(plan)} LIMIT ${params.add(plan.size + 1, 'int')}
       ) y
     ) x ON true`,
    params.values,
  )
  if (rows.length === 0) return null
  const first = rows.find((r) => r.__n == null || r.__n === 1)!
  const row = Object.fromEntries(aliases.map((alias) => [alias, first[`__p.${alias}`]]))
  const children = attachJoined(rows.filter((r) => r.__n != null), joins)
  const page = toConnection(children, plan, {
    count: child.count,
    beyond: (cursor, side) => rowsBeyond(sql, spec, args, plan, cursor, side, { relation, id: String(row.id) }),
  })
  return { row, page }
}

export async function countRows(sql: Sql, spec: EntitySpec, args: ConnectionArgs, scope?: ParentScope): Promise<number> {
  const params = new SqlParams()
  const { join, conditions } = scopeConditions(params, spec, args, scope)
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${spec.table} t ${join} ${whereClause(conditions)}`,
    params.values,
  )
  return row.n
}

/** Children counts for many parents in one statement. */
export async function countByParent(
  sql: Sql,
  spec: EntitySpec,
  relation: string,
  parentIds: readonly string[],
  where: ConnectionArgs['where'],
): Promise<number[]> {
  const parent = parentOf(spec, relation)
  const params = new SqlParams()
  const parents = params.add(parentIds, `${parent.type}[]`)
  const conditions = [ofParent(parent, 'p.parent'), ...filterConditions(params, spec.filters, where)]
  const rows = await sql.query<{ parent: string; n: number }>(
    `SELECT p.parent::text AS parent, x.n FROM unnest(${parents}) AS p(parent)
     CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM ${spec.table} t ${parent.join ?? ''} ${whereClause(conditions)}) x`,
    params.values,
  )
  const counts = new Map(rows.map((r) => [r.parent, r.n]))
  return parentIds.map((id) => counts.get(id) ?? 0)
}

async function rowsBeyond(
  sql: Sql,
  spec: EntitySpec,
  args: ConnectionArgs,
  plan: PagePlan,
  cursor: string[],
  side: 'before' | 'after',
  scope?: ParentScope,
): Promise<boolean> {
  const params = new SqlParams()
  const { join, conditions } = scopeConditions(params, spec, args, scope)
  const [row] = await sql.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${spec.table} t ${join}
       ${whereClause([...conditions, beyondCursor(params, plan, cursor, side)])}) AS found`,
    params.values,
  )
  return row.found
}

/** Rows by primary key, in the order of `ids` (null where missing), for the dataloaders. */
export async function rowsByIds(sql: Sql, spec: EntitySpec, ids: readonly string[]): Promise<(Row | null)[]> {
  const rows = await sql.query<Row>(`SELECT ${spec.columns} FROM ${spec.table} t WHERE t.id = ANY($1::text[])`, [ids], { prepare: true })
  const byId = new Map(rows.map((r) => [String(r.id), r]))
  return ids.map((id) => byId.get(id) ?? null)
}
