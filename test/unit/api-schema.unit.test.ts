// The API's schema against the specs that build its SQL, and the query cost and cursor rules, without a database.
import { createSchema } from 'graphql-yoga'
import { isEnumType, isInputObjectType, parse, type GraphQLSchema } from 'graphql/index.js'
import { describe, expect, it } from 'vitest'
import { ChangeBus } from '../../src/api/change-bus.js'
import { decodeCursor, encodeCursor } from '../../src/api/connection.js'
import { entities } from '../../src/api/entities/index.js'
import { operationCost } from '../../src/api/query-cost.js'
import { createResolvers } from '../../src/api/resolvers/index.js'
import { typeDefs } from '../../src/api/schema/index.js'

const schema = createSchema({ typeDefs, resolvers: createResolvers(new ChangeBus()) }) as unknown as GraphQLSchema
const cost = (query: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(query), undefined, variables)

describe('the schema and the SQL whitelists', () => {
  it('offers exactly the filters and orderings the entity specs can turn into SQL', () => {
    for (const [name, spec] of Object.entries(entities)) {
      const filter = schema.getType(`${name}Filter`)
      const filterFields = filter && isInputObjectType(filter) ? Object.keys(filter.getFields()).sort() : []
      expect([name, filterFields]).toEqual([name, Object.keys(spec.filters).sort()])
      const order = schema.getType(`${name}OrderField`)
      expect(order && isEnumType(order) ? order.getValues().map((v) => v.name) : []).toEqual(Object.keys(spec.order))
    }
  })

  it('documents every entity type and the main entry points', () => {
    for (const name of Object.keys(entities)) {
      const type = schema.getType(name)
      expect([name, type?.description]).toEqual([name, expect.any(String)])
    }
    const query = schema.getQueryType()!.getFields()
    for (const field of ['_meta', 'inference', 'inferences', 'topContributors', 'lineage', 'epochPayout']) expect(query[field].description).toBeTruthy()
  })

  it('types amounts as BigInt and times as DateTime, never Float', () => {
    const fields = Object.values(schema.getTypeMap()).flatMap((t) => ('getFields' in t ? Object.values(t.getFields()).map((f) => ({ type: t.name, field: f.name, of: String(f.type) })) : []))
    expect(fields.filter((f) => f.of.includes('Float'))).toEqual([])
    for (const [type, field] of [['Inference', 'fee'], ['AttributionEdge', 'amount'], ['EpochPayout', 'amount'], ['Epoch', 'netFees']]) {
      expect(fields.find((f) => f.type === type && f.field === field)?.of).toBe('BigInt!')
    }
    expect(fields.find((f) => f.type === 'Inference' && f.field === 'settledAt')?.of).toBe('DateTime!')
  })
})

describe('query cost', () => {
  it('multiplies nested pages by their sizes, variables included', () => {
    expect(cost('{ inferences(first: 100) { nodes { model { id } } } }')).toBe(1 + 100 * 1)
    expect(cost('query ($n: Int!) { inferences(first: 100) { nodes { attributions(first: $n) { nodes { contributor { id } } } } } }', { n: 100 })).toBe(1 + 100 * (1 + 100))
    expect(cost('{ inferences { edges { node { id } } } }')).toBe(1 + 25 * 0) // the default page, scalars only
  })

  it('charges a connection’s totalCount once, not per row, at the price of a count, and lets aliases add up', () => {
    expect(cost('{ inferences(first: 100) { totalCount nodes { id } } }')).toBe(1 + 100)
    expect(cost(`{ ${Array.from({ length: 100 }, (_, i) => `a${i}: inferences(first: 1) { totalCount }`).join(' ')} }`)).toBe(100 * (1 + 100))
    expect(cost('{ a: datanets(first: 10) { nodes { owner { id } } } b: datanets(first: 10) { nodes { owner { id } } } }')).toBe(2 * (1 + 10))
  })

  it('counts fragments, and a lineage by its edge limit whatever it selects (the walk is the work)', () => {
    expect(cost('query { inference(id: "x") { ...A } } fragment A on Inference { attributions(first: 10) { nodes { contribution { datanet { id } } } } }')).toBe(1 + 1 + 10 * 2)
    expect(cost('{ lineage(kind: MODEL, id: "1", direction: UPSTREAM, maxEdges: 100) { nodes { entity { ... on Model { owner { id } } } } } }')).toBe(20 + 100 * (1 + 1 + 1))
    expect(cost('{ lineage(kind: MODEL, id: "1", direction: UPSTREAM, maxEdges: 2000) { root { id } nodes { id } edges { from { id } to { id } } } }')).toBe(20 + 2000)
    expect(cost('{ lineage(kind: MODEL, id: "1", direction: UPSTREAM, maxEdges: 2000) { truncated } }')).toBe(20 + 2000)
  })
})

describe('cursors', () => {
  const columns = [{ sql: 't.fee', type: 'numeric' as const }, { sql: 't.id', type: 'text' as const }]

  it('round-trip the sort values of their ordering', () => {
    expect(decodeCursor(encodeCursor('FEE', ['1000', '0xab']), 'FEE', columns)).toEqual(['1000', '0xab'])
  })

  it('are refused for another ordering, a wrong shape, or a value their column cannot hold', () => {
    expect(() => decodeCursor(encodeCursor('FEE', ['1000', '0xab']), 'BLOCK_NUMBER', columns)).toThrow('belongs to an ordering by FEE')
    expect(() => decodeCursor(encodeCursor('FEE', ['1000']), 'FEE', columns)).toThrow('Malformed cursor')
    expect(() => decodeCursor(encodeCursor('FEE', ['1 OR 1=1', '0xab']), 'FEE', columns)).toThrow('Malformed cursor')
    expect(() => decodeCursor('%%%', 'FEE', columns)).toThrow('Malformed cursor')
  })
})
