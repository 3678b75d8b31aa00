import type { FieldNode, GraphQLResolveInfo } from 'graphql'
import { childConnection } from './children.js'
import { entities, type EntityName } from './entities/index.js'
import type { EntitySpec } from './entities/spec.js'
import { onlyId, subfields, type Subfields } from './selection.js'

/** A to-one field: the target entity and the parent row's column (its GraphQL alias) holding the target's id. */
export interface Reference {
  target: EntityName
  column: string
  /** Other fields of the parent that read the target row (an epoch payout's `root` and `verified` read its epoch). */
  readBy?: string[]
  /**
   * A nullable field whose column is set only while the target row exists, so that a set id alone answers it
   * (a non-null field's column always names a row).
   */
  existsWhenSet?: boolean
}

const ref = (target: EntityName, column: string, readBy?: string[]): Reference => ({ target, column, readBy })

export const REFERENCES: Partial<Record<EntityName, Record<string, Reference>>> = {
  Datanet: { owner: ref('Contributor', 'ownerId') },
  Contribution: { datanet: ref('Datanet', 'datanetId'), contributor: ref('Contributor', 'contributorId') },
  ContributionEvent: { contribution: ref('Contribution', 'contributionId') },
  Model: { owner: ref('Contributor', 'ownerId'), baseModel: ref('Model', 'baseModelId') },
  FeeSplitChange: { model: ref('Model', 'modelId') },
  Agent: { owner: ref('Contributor', 'ownerId') },
  InferenceNode: { operator: ref('Contributor', 'operatorId') },
  Stake: { recipient: ref('Contributor', 'recipientId') },
  StakeTopUp: { stake: ref('Stake', 'stakeId') },
  Inference: {
    model: ref('Model', 'modelId'),
    modelOwner: ref('Contributor', 'modelOwnerId'),
    // Set only if the agent was registered at the settlement's log: a fork that undid the registration undoes
    // every later settlement too (src/project/projections/settlements.ts, agentKnown).
    agent: { ...ref('Agent', 'agentId'), existsWhenSet: true },
    usageRecord: ref('UsageRecord', 'id'),
  },
  AttributionEdge: {
    inference: ref('Inference', 'inferenceId'),
    contribution: ref('Contribution', 'contributionId'),
    contributor: ref('Contributor', 'contributorId'),
    datanet: ref('Datanet', 'datanetId'),
  },
  EpochPayout: { epoch: ref('Epoch', 'epochId', ['root', 'verified']), account: ref('Contributor', 'accountId') },
  // A stat and the payout of the same epoch and address share their id, "<epoch>-<address>".
  ContributorEpochStat: { contributor: ref('Contributor', 'contributorId'), payout: ref('EpochPayout', 'id') },
  DatanetEpochStat: { datanet: ref('Datanet', 'datanetId') },
  ModelEpochStat: { model: ref('Model', 'modelId') },
  AgentEpochStat: { agent: ref('Agent', 'agentId') },
}

/** A referenced row fetched in its parent's statement by a LEFT JOIN. */
export interface Join {
  field: string
  target: EntitySpec
  /** The parent's SQL expression for the target's id. */
  on: string
}

/** Where a joined row is kept on its parent row (absent: not joined; null: joined and missing). */
export const joinedKey = (field: string) => `__join:${field}`

/**
 * The references of `entity` worth joining for the fields selected on its rows: those asked for more than
 * their id (the id is in the parent row already), or read by another selected field.
 */
function joinsFor(entity: EntityName, fields: Subfields, info: Pick<GraphQLResolveInfo, 'fragments'>): Join[] {
  const joins: Join[] = []
  const spec = entities[entity]
  for (const [field, reference] of Object.entries(REFERENCES[entity] ?? {})) {
    const nodes: FieldNode[] | undefined = fields.get(field)
    const needed = (nodes && !onlyId(subfields(info, nodes))) || reference.readBy?.some((f) => fields.has(f))
    if (needed) joins.push({ field, target: entities[reference.target], on: columnExpression(spec, reference.column) })
  }
  return joins
}

/** How a page's rows are selected: the columns read, and the to-one rows joined in. */
export interface RowShape {
  columns: string
  joins: readonly Join[]
}

/** Every column, nothing joined: rows for any selection (the loaders' lookups by id). */
export const wholeRows = (spec: EntitySpec): RowShape => ({ columns: spec.columns, joins: [] })

/**
 * The shape of `entity` rows answering the fields selected on them. Only the columns the selection reads are
 * selected (parsing a column costs the API more than PostgreSQL reading it) when every selected field is a
 * column, a reference (its id column) or a connection (the row's id); a field computed from the row in a way
 * not declared here (an `earned` sum, a payout's `verified`) gets every column.
 */
export function rowShape(entity: EntityName, fields: Subfields, info: Pick<GraphQLResolveInfo, 'fragments'>): RowShape {
  return { columns: columnsFor(entity, fields), joins: joinsFor(entity, fields, info) }
}

const columnLists = new Map<string, string>()

function columnsFor(entity: EntityName, fields: Subfields): string {
  const spec = entities[entity]
  const items = selectItems(spec)
  const needed = new Set(['id'])
  for (const field of fields.keys()) {
    if (field === '__typename' || childConnection(entity, field)) continue
    const reference = REFERENCES[entity]?.[field]
    if (reference) needed.add(reference.column)
    else if (items.some(([, alias]) => alias === field)) needed.add(field)
    else return spec.columns
  }
  const key = `${entity}:${[...needed].sort().join(',')}`
  let columns = columnLists.get(key)
  if (!columns) {
    columns = items.filter(([, alias]) => needed.has(alias)).map(([expression, alias]) => `${expression} AS "${alias}"`).join(', ')
    columnLists.set(key, columns)
  }
  return columns
}

const itemsOfSpec = new WeakMap<EntitySpec, [expression: string, alias: string][]>()

/**
 * The select-list items of a spec: [SQL expression, alias]. Its columns never hold a comma inside an item.
 * Parsed once per spec: the joins of every request read them.
 */
function selectItems(spec: EntitySpec): [expression: string, alias: string][] {
  let items = itemsOfSpec.get(spec)
  if (!items) {
    items = spec.columns.split(',').map((item) => {
      const match = /^\s*(.+?)(?:\s+AS\s+"([^"]+)")?\s*$/s.exec(item)!
      return [match[1], match[2] ?? match[1].replace(/^t\./, '')]
    })
    itemsOfSpec.set(spec, items)
  }
  return items
}

/** The aliases (GraphQL field names) a spec selects its columns as. */
export function selectAliases(spec: EntitySpec): string[] {
  return selectItems(spec).map(([, alias]) => alias)
}

function columnExpression(spec: EntitySpec, alias: string): string {
  const item = selectItems(spec).find(([, a]) => a === alias)
  if (!item) throw new Error(`${spec.table} selects no column ${alias}`) // a reference and its spec disagree: a bug
  return item[0]
}

/** The joins' FROM items and select-list items (table alias `j<i>`, columns aliased `__j<i>.<field>`). */
export function joinSql(joins: readonly Join[]): { from: string; select: string } {
  const from = joins.map((j, i) => `LEFT JOIN ${j.target.table} j${i} ON j${i}.id = ${j.on}`).join(' ')
  const select = joins
    .flatMap((j, i) => selectItems(j.target).map(([expression, alias]) => `${expression.replace(/\bt\./g, `j${i}.`)} AS "__j${i}.${alias}"`))
    .map((item) => `, ${item}`)
    .join('')
  return { from, select }
}

/** Gathers each joined row's columns of a parent row into one object under `joinedKey(field)`. */
export function attachJoined<R extends Record<string, unknown>>(rows: R[], joins: readonly Join[]): R[] {
  if (joins.length === 0) return rows
  const layouts = joins.map((join, i) => ({
    key: joinedKey(join.field),
    columns: selectItems(join.target).map(([, alias]) => [alias, `__j${i}.${alias}`] as const),
  }))
  for (const row of rows) {
    for (const { key, columns } of layouts) {
      const joined: Record<string, unknown> = {}
      for (const [alias, column] of columns) joined[alias] = row[column]
      ;(row as Record<string, unknown>)[key] = joined.id == null ? null : joined
    }
  }
  return rows
}
