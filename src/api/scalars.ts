import type { ValueNode } from 'graphql'
import { GraphQLScalarType, Kind } from './graphql.js'
import { userError } from './errors.js'

const INTEGER = /^-?(0|[1-9][0-9]*)$/

/** Wei amounts: decimal strings on the wire, validated on input and kept as strings (never a float). */
export const BigIntScalar = new GraphQLScalarType<string, string>({
  name: 'BigInt',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString()
    if (typeof value === 'string' && INTEGER.test(value)) return value
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
    throw userError(`BigInt cannot represent ${String(value)}`)
  },
  parseValue: parseBigInt,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigInt(ast.value)
    throw userError('BigInt must be a decimal integer string')
  },
})

function parseBigInt(value: unknown): string {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value).toString()
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  throw userError(`BigInt must be a decimal integer string, got ${JSON.stringify(value)}`)
}

/** An instant as the DateTime scalar writes it: ISO 8601 in UTC, to the millisecond (Date's toISOString). */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** PostgreSQL's text form of a timestamptz in a session whose TimeZone is UTC: `2026-12-07 22:48:21.415123+00`. */
const POSTGRES_UTC_INSTANT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/

/**
 * A timestamptz read by the API (its sessions run in UTC) as the string the DateTime scalar answers, made from
 * the text alone: parsing a Date per value and formatting it again took 8 % of a worker's CPU serving 100-row
 * pages. The fraction is cut to milliseconds, as a Date cuts it. Any other form (another offset, BC, infinity,
 * a year past 9999) is left to `fallback`, the pg driver's parser.
 */
export function instantFromPostgres(text: string, fallback: (text: string) => unknown): unknown {
  const parts = POSTGRES_UTC_INSTANT.exec(text)
  if (!parts) return fallback(text)
  return `${parts[1]}T${parts[2]}.${(parts[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`
}

/** Instants as ISO-8601 strings in UTC. */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize(value) {
    if (typeof value === 'string' && CANONICAL_INSTANT.test(value)) return value
    const date = value instanceof Date ? value : new Date(String(value))
    if (Number.isNaN(date.getTime())) throw userError(`DateTime cannot represent ${String(value)}`)
    return date.toISOString()
  },
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return parseDateTime(ast.value)
    throw userError('DateTime must be an ISO-8601 string')
  },
})

function parseDateTime(value: unknown): string {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN)
  if (Number.isNaN(date.getTime())) throw userError(`DateTime must be an ISO-8601 string, got ${JSON.stringify(value)}`)
  return date.toISOString()
}
