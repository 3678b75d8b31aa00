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

/** Instants as ISO-8601 strings in UTC. */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize(value) {
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
