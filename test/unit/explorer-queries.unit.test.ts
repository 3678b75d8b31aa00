// Every document the explorer sends, priced by the API's own cost rule against its default limit: a page whose
// query costs more is refused by the API and stays empty (this happened twice as fields were repriced).
import { createSchema } from 'graphql-yoga'
import { parse, validate, type GraphQLSchema } from 'graphql/index.js'
import { describe, expect, it } from 'vitest'
import { ChangeBus } from '../../src/api/change-bus.js'
import { operationCost } from '../../src/api/query-cost.js'
import { createResolvers } from '../../src/api/resolvers/index.js'
import { typeDefs } from '../../src/api/schema/index.js'
import { DEFAULT_LIMITS } from '../../src/api/server.js'
import * as explorer from '../../web/src/queries.js'

const schema = createSchema({ typeDefs, resolvers: createResolvers(new ChangeBus()) }) as unknown as GraphQLSchema
const address = `0x${'ab'.repeat(20)}`
const variables: Record<string, Record<string, unknown>> = {
  LIVE_REFRESH: { ids: Array.from({ length: explorer.FEED_LENGTH }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`) },
  INFERENCE: { id: `0x${'01'.repeat(32)}` },
  CONTRIBUTOR: { id: address },
  CONTRIBUTOR_EARNINGS: { c: address },
  EPOCH: { n: 3 },
  EPOCH_RECONCILIATION: { n: 3 },
  MODEL: { id: '1' },
  LINEAGE: { kind: 'MODEL', id: '1', direction: 'UPSTREAM' },
}
const documents = Object.entries(explorer).filter((entry): entry is [string, string] => typeof entry[1] === 'string')

describe('the explorer’s queries', () => {
  it('are all here', () => {
    expect(documents.map(([name]) => name).sort()).toEqual(
      ['CONTRIBUTOR', 'CONTRIBUTOR_EARNINGS', 'EPOCH', 'EPOCHS', 'EPOCH_CLOSED', 'EPOCH_RECONCILIATION', 'INFERENCE', 'LINEAGE', 'LIVE_FEED', 'LIVE_REFRESH', 'LIVE_SETTLEMENTS', 'MODEL', 'MODELS'],
    )
  })

  it.each(documents)('%s is valid and costs at most the default limit', (name, text) => {
    const document = parse(text)
    expect(validate(schema, document).map((e) => e.message)).toEqual([])
    expect(operationCost(schema, document, undefined, variables[name] ?? {})).toBeLessThanOrEqual(DEFAULT_LIMITS.maxCost)
  })
})
