import { userError } from './errors.js'
import type { SqlParams, SqlType } from './sql.js'

/**
 * How a `where` input field maps to SQL. The column expressions come from the entity specs (a whitelist);
 * the values only ever become bound parameters.
 */
export type FilterKind =
  | 'id' // decimal or opaque id: IDFilter
  | 'address' // 0x + 40 hex, matched lower-cased: AddressFilter
  | 'hash' // 0x + 64 hex, matched lower-cased: HashFilter
  | 'text' // StringFilter
  | 'enum' // <Enum>Filter
  | 'int' // IntFilter
  | 'intText' // an int stored as text (epoch_payout.epoch_id): IntFilter, equality on the text for its index
  | 'bigint' // BigIntFilter
  | 'time' // DateTimeFilter
  | 'bool' // a plain Boolean

export interface FilterColumn {
  sql: string
  kind: FilterKind
  /**
   * For a column matched in another table: wraps the condition on `sql` into one on this table's rows, so the
   * other table's index finds them (attribution edges by contributor, through the contributor's contributions).
   */
  within?: (condition: string) => string
  /** The rows equal to one value (an SQL expression), where `sql = value` would find them by no index. */
  match?: (value: string) => string
}

export const MAX_IN_VALUES = 500

const COMPARISONS: Record<string, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }

const SQL_TYPE: Record<FilterKind, SqlType> = {
  id: 'text',
  address: 'text',
  hash: 'text',
  text: 'text',
  enum: 'text',
  int: 'int',
  intText: 'int',
  bigint: 'numeric',
  time: 'timestamptz',
  bool: 'bool',
}

/** SQL conditions (to be AND-ed) for a `where` input, or throws a BAD_USER_INPUT error. */
export function filterConditions(
  params: SqlParams,
  columns: Readonly<Record<string, FilterColumn>>,
  where: Readonly<Record<string, unknown>> | null | undefined,
): string[] {
  const conditions: string[] = []
  for (const [field, filter] of Object.entries(where ?? {})) {
    if (filter == null) continue
    const column = columns[field]
    // The input types are generated from the same names; a miss is a bug, not bad input.
    if (!column) throw new Error(`no filter column for where.${field}`)
    const wrap = column.within ?? ((condition: string) => condition)
    if (column.kind === 'bool') {
      conditions.push(wrap(`${column.sql} = ${params.add(filter, 'bool')}`))
      continue
    }
    for (const [operator, operand] of Object.entries(filter as Record<string, unknown>)) {
      if (operand == null) continue
      conditions.push(wrap(condition(params, field, column, operator, operand)))
    }
  }
  return conditions
}

function condition(params: SqlParams, field: string, column: FilterColumn, operator: string, operand: unknown): string {
  const type = SQL_TYPE[column.kind]
  if (operator === 'in') {
    const values = operand as unknown[]
    if (values.length > MAX_IN_VALUES) throw userError(`where.${field}.in takes at most ${MAX_IN_VALUES} values`)
    const normalised = values.map((v) => normalise(`where.${field}`, column.kind, v))
    const { match } = column
    if (match) return normalised.length ? `(${normalised.map((v) => match(params.add(v, type))).join(' OR ')})` : 'false'
    // An int kept as text is compared as text, so the text column's index serves the lookup.
    if (column.kind === 'intText') return `${column.sql} = ANY(${params.add(normalised, 'int[]')}::text[])`
    return `${column.sql} = ANY(${params.add(normalised, `${type}[]`)})`
  }
  const comparison = COMPARISONS[operator]
  if (!comparison) throw new Error(`unknown filter operator ${operator}`)
  const value = params.add(normalise(`where.${field}`, column.kind, operand), type)
  if (column.match && operator === 'eq') return column.match(value)
  if (column.kind === 'intText') {
    return operator === 'eq' ? `${column.sql} = ${value}::text` : `${column.sql}::int ${comparison} ${value}`
  }
  return `${column.sql} ${comparison} ${value}`
}

const ADDRESS = /^0x[0-9a-f]{40}$/
const HASH = /^0x[0-9a-f]{64}$/

/** Lower-cases hex values and refuses malformed ones with a clear error rather than an empty result. */
export function normalise(label: string, kind: FilterKind, value: unknown): unknown {
  if (kind === 'address' || kind === 'hash') {
    const hex = String(value).toLowerCase()
    if (!(kind === 'address' ? ADDRESS : HASH).test(hex)) {
      throw userError(`${label}: ${JSON.stringify(value)} is not ${kind === 'address' ? 'an address' : 'a 32-byte hex hash'}`)
    }
    return hex
  }
  return value
}

/** Lower-cases an address or 32-byte id given as a lookup argument, or refuses it. */
export function hexId(kind: 'address' | 'hash', value: string, argument: string): string {
  return normalise(argument, kind, value) as string
}
