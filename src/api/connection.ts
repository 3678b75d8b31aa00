import { userError } from './errors.js'
import type { SqlParams, SqlType } from './sql.js'

/**
 * Relay connections with keyset pagination: rows are ordered by the chosen field's columns plus the entity's
 * unique key, and a cursor holds that tuple, so a page never skips or repeats a row however many rows are
 * inserted before it (an offset would).
 */

export const DEFAULT_PAGE_SIZE = 25
export const MAX_PAGE_SIZE = 100

export type Direction = 'ASC' | 'DESC'

export interface OrderColumn {
  sql: string
  type: SqlType
}

export interface ConnectionArgs {
  first?: number | null
  after?: string | null
  last?: number | null
  before?: string | null
  where?: Record<string, unknown> | null
  orderBy?: { field: string; direction?: Direction | null } | null
}

/** A validated page request: which rows, in which order, from where. */
export interface PagePlan {
  field: string
  /** The sort columns, the unique key last. */
  columns: OrderColumn[]
  direction: Direction
  /** Rows wanted; one more is fetched to know whether there are more. */
  size: number
  /** Paging backwards (`last`): the query runs in the opposite order and the page is reversed. */
  backward: boolean
  after?: string[]
  before?: string[]
}

export function planPage(
  args: ConnectionArgs,
  order: { columns: Readonly<Record<string, OrderColumn[]>>; key: OrderColumn; defaultField: string; defaultDirection: Direction },
): PagePlan {
  const { first, last } = args
  if (first != null && last != null) throw userError('Pass either first or last, not both')
  const size = first ?? last ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(size) || size < 0) throw userError('first and last must be non-negative integers')
  if (size > MAX_PAGE_SIZE) {
    throw userError(`A page holds at most ${MAX_PAGE_SIZE} rows; ${size} were asked for`, 'PAGE_SIZE_EXCEEDED', { max: MAX_PAGE_SIZE })
  }
  const field = args.orderBy?.field ?? order.defaultField
  const sortColumns = order.columns[field]
  if (!sortColumns) throw new Error(`no order columns for ${field}`) // the enum and the specs disagree: a bug
  const columns = sortColumns.some((c) => c.sql === order.key.sql) ? [...sortColumns] : [...sortColumns, order.key]
  const direction = args.orderBy?.direction ?? order.defaultDirection
  return {
    field,
    columns,
    direction,
    size,
    backward: last != null,
    after: args.after != null ? decodeCursor(args.after, field, columns) : undefined,
    before: args.before != null ? decodeCursor(args.before, field, columns) : undefined,
  }
}

/** Cursors are opaque to clients: base64url of [order field, ...sort values as text]. */
export function encodeCursor(field: string, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([field, ...values])).toString('base64url')
}

const INTEGER = /^-?[0-9]+$/
/** Timestamps in cursors: ISO 8601 in UTC to the microsecond, whatever the server's DateStyle. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
const TIMESTAMP_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`

/** A cursor's values are checked against their columns' types, so a forged one is refused, not cast. */
export function decodeCursor(cursor: string, field: string, columns: readonly OrderColumn[]): string[] {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw userError('Malformed cursor', 'BAD_CURSOR')
  }
  if (!Array.isArray(decoded) || decoded.length !== columns.length + 1 || !decoded.every((v) => typeof v === 'string')) {
    throw userError('Malformed cursor', 'BAD_CURSOR')
  }
  if (decoded[0] !== field) throw userError(`This cursor belongs to an ordering by ${decoded[0]}, not ${field}`, 'BAD_CURSOR')
  const values = decoded.slice(1) as string[]
  const valid = values.every((value, i) => {
    const { type } = columns[i]
    if (type === 'int' || type === 'numeric') return INTEGER.test(value)
    if (type === 'timestamptz') return TIMESTAMP.test(value)
    return true
  })
  if (!valid) throw userError('Malformed cursor', 'BAD_CURSOR')
  return values
}

/** The select-list items holding each row's cursor values, as text (exact for numeric and timestamptz). */
export function cursorColumns(plan: PagePlan): string {
  return plan.columns
    .map((c, i) => {
      const value = c.type === 'timestamptz' ? `to_char((${c.sql}) AT TIME ZONE 'UTC', ${TIMESTAMP_FORMAT})` : `(${c.sql})::text`
      return `${value} AS "__c${i}"`
    })
    .join(', ')
}

/** ORDER BY of the query, reversed when paging backwards. */
export function orderSql(plan: PagePlan): string {
  const direction = plan.backward ? flip(plan.direction) : plan.direction
  return plan.columns.map((c) => `${c.sql} ${direction}`).join(', ')
}

/** Keyset conditions for the plan's cursors. */
export function cursorConditions(params: SqlParams, plan: PagePlan): string[] {
  const conditions: string[] = []
  if (plan.after) conditions.push(compareTuple(params, plan, plan.after, plan.direction === 'ASC' ? '>' : '<'))
  if (plan.before) conditions.push(compareTuple(params, plan, plan.before, plan.direction === 'ASC' ? '<' : '>'))
  return conditions
}

/** Rows on the far side of a cursor, the cursor's own row included: whether a page has neighbours. */
export function beyondCursor(params: SqlParams, plan: PagePlan, cursor: string[], side: 'before' | 'after'): string {
  const ascending = plan.direction === 'ASC'
  return compareTuple(params, plan, cursor, (side === 'after') === ascending ? '>=' : '<=')
}

function compareTuple(params: SqlParams, plan: PagePlan, values: string[], operator: string): string {
  const left = plan.columns.map((c) => c.sql).join(', ')
  const right = plan.columns.map((c, i) => params.add(values[i], c.type)).join(', ')
  return `(${left}) ${operator} (${right})`
}

function flip(direction: Direction): Direction {
  return direction === 'ASC' ? 'DESC' : 'ASC'
}

/**
 * A page of rows. Edges, cursors, the count and whether rows lie beyond are getters: computed only when a query
 * reads them, by graphql-js and by compiled queries alike (which read a field's property and would not call a
 * function-valued one).
 */
export interface Connection<Row> {
  readonly edges: { readonly cursor: string; node: Row }[]
  nodes: Row[]
  pageInfo: {
    readonly startCursor: string | null
    readonly endCursor: string | null
    readonly hasNextPage: boolean | Promise<boolean>
    readonly hasPreviousPage: boolean | Promise<boolean>
  }
  readonly totalCount: Promise<number>
}

/**
 * Shapes fetched rows (at most size + 1, in query order) into a connection. Whether rows exist on the side
 * the client came from is checked only if asked (`beyond`), per the Relay spec's "if it can do so efficiently".
 */
export function toConnection<Row extends Record<string, unknown>>(
  rows: Row[],
  plan: PagePlan,
  lazy: { count: () => Promise<number>; beyond: (cursor: string[], side: 'before' | 'after') => Promise<boolean> },
): Connection<Row> {
  const more = rows.length > plan.size
  const page = rows.slice(0, plan.size)
  if (plan.backward) page.reverse()
  const cursorOf = (node: Row) => encodeCursor(plan.field, plan.columns.map((_, i) => String(node[`__c${i}`])))
  const { after, before } = plan
  return {
    get edges() {
      return page.map((node) => ({
        get cursor() {
          return cursorOf(node)
        },
        node,
      }))
    },
    nodes: page,
    pageInfo: {
      get startCursor() {
        return page.length > 0 ? cursorOf(page[0]) : null
      },
      get endCursor() {
        return page.length > 0 ? cursorOf(page[page.length - 1]) : null
      },
      get hasNextPage() {
        return plan.backward ? (before ? lazy.beyond(before, 'after') : false) : more
      },
      get hasPreviousPage() {
        return plan.backward ? more : after ? lazy.beyond(after, 'before') : false
      },
    },
    get totalCount() {
      return lazy.count()
    },
  }
}

/**
 * The page fields that may hold a promise (a count, whether rows lie beyond), read by resolvers: compiled queries
 * await what a resolver returns, not a promise found in a property.
 */
export function connectionResolvers(entityNames: readonly string[]) {
  const ofConnection = { totalCount: (connection: Connection<never>) => connection.totalCount }
  return {
    ...Object.fromEntries(entityNames.map((name) => [`${name}Connection`, ofConnection])),
    PageInfo: {
      hasNextPage: (info: Connection<never>['pageInfo']) => info.hasNextPage,
      hasPreviousPage: (info: Connection<never>['pageInfo']) => info.hasPreviousPage,
    },
  }
}
