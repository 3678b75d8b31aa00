import { entities } from '../entities/index.js'

/** Arguments of every connection field (Relay cursor pagination). */
export const PAGE_ARGS = `
    "Rows after the start (at most 100; 25 when neither first nor last is given)."
    first: Int
    "Cursor (an edge's cursor or pageInfo.endCursor) to continue after."
    after: String
    "Rows before the end (at most 100): page backwards with before."
    last: Int
    "Cursor (an edge's cursor or pageInfo.startCursor) to continue before."
    before: String`

/** Scalars, paging, filter inputs and the cost directive, shared by every type. */
export const commonTypeDefs = /* GraphQL */ `
  """
  The cost of resolving a field, for the query cost limit: a field returning objects costs 1 (scalars 0) unless
  it says otherwise, and a list field multiplies the cost of its selection by its first, last or maxEdges.
  perRow prices the work a field does per row it may return, whatever is selected of them (a lineage walk).
  """
  directive @cost(weight: Int!, perRow: Int) on FIELD_DEFINITION

  "An integer of any size as a decimal string: token amounts in wei. Never a Float."
  scalar BigInt

  "An instant as an ISO-8601 string in UTC, e.g. 2026-11-02T10:00:00.000Z."
  scalar DateTime

  enum OrderDirection {
    ASC
    DESC
  }

  "Where a page sits in its connection (Relay)."
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  "Equality on an id (on-chain ids are decimal strings)."
  input IDFilter {
    eq: ID
    "At most 500 values."
    in: [ID!]
  }

  "Equality on an address; any letter case is accepted, a malformed address is an error."
  input AddressFilter {
    eq: String
    in: [String!]
  }

  "Equality on a 32-byte hex value (inference ids, transaction and content hashes), any letter case."
  input HashFilter {
    eq: String
    in: [String!]
  }

  input IntFilter {
    eq: Int
    in: [Int!]
    gt: Int
    gte: Int
    lt: Int
    lte: Int
  }

  "Comparisons on an amount in wei."
  input BigIntFilter {
    eq: BigInt
    in: [BigInt!]
    gt: BigInt
    gte: BigInt
    lt: BigInt
    lte: BigInt
  }

  input DateTimeFilter {
    gt: DateTime
    gte: DateTime
    lt: DateTime
    lte: DateTime
  }
`

/**
 * Connection, edge, order-field enum and order input of an entity. The order fields are generated from the
 * entity's spec (entities/), the same whitelist that builds the SQL, so the two cannot disagree.
 */
export function connectionTypeDefs(name: keyof typeof entities): string {
  const fields = Object.keys(entities[name].order)
  const [defaultField, defaultDirection] = entities[name].defaultOrder
  return /* GraphQL */ `
  "A page of ${name} rows (Relay connection)."
  type ${name}Connection {
    edges: [${name}Edge!]!
    "The page's nodes, as in edges."
    nodes: [${name}!]!
    pageInfo: PageInfo!
    "Rows matching the filter, ignoring the page (counted on request: a scan of every matching row, priced so)."
    totalCount: Int! @cost(weight: 100)
  }

  type ${name}Edge {
    "Opaque and stable: it names the row's place in this ordering."
    cursor: String!
    node: ${name}!
  }

  enum ${name}OrderField {
    ${fields.join('\n    ')}
  }

  "Order of a ${name} connection (default: ${defaultField} ${defaultDirection}); the row's id breaks ties, so the order is total."
  input ${name}Order {
    field: ${name}OrderField!
    direction: OrderDirection! = ${defaultDirection}
  }
`
}

/** The arguments and type of a connection field listing `name` rows. */
export function connectionOf(name: keyof typeof entities): string {
  const where = Object.keys(entities[name].filters).length ? `\n    where: ${name}Filter` : ''
  return `(${PAGE_ARGS}${where}
    orderBy: ${name}Order
  ): ${name}Connection!`
}
