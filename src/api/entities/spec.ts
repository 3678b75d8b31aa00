import type { Direction, OrderColumn } from '../connection.js'
import type { FilterColumn } from '../filters.js'
import type { SqlType } from '../sql.js'

/**
 * The projected tables as the API lists them: the select list (aliased to the GraphQL field names), the
 * orderings and filters it offers (the only column expressions that reach SQL), and the relations by which a
 * parent lists them. The table's alias is always `t`; a join table's is `j`.
 */
export interface EntitySpec {
  table: string
  columns: string
  /** Unique, the last sort column of every ordering (the tie-breaker). */
  key: OrderColumn
  order: Record<string, OrderColumn[]>
  defaultOrder: [field: string, direction: Direction]
  filters: Record<string, FilterColumn>
  /** Parent relation → the parent's id as this table sees it (through `join` for many-to-many). */
  parents: Record<string, ParentColumn>
}

export interface ParentColumn {
  sql: string
  type: SqlType
  join?: string
  /** This table's rows of one parent (an SQL expression of its id), where `sql = id` would find them by no index. */
  match?: (parentId: string) => string
}

/** The rows of one parent: equality on the parent's column unless the spec says how its index finds them. */
export const ofParent = (parent: ParentColumn, parentId: string) => (parent.match ? parent.match(parentId) : `${parent.sql} = ${parentId}`)

export const col = (sql: string, type: SqlType): OrderColumn => ({ sql, type })
export const text = (sql: string) => ({ sql, type: 'text' as const })
/** On-chain ids are uint256 decimal strings: ordered as numbers ("10" after "9"). */
export const NUMERIC_ID = col('t.id::numeric', 'numeric')
export const TEXT_ID = col('t.id', 'text')

