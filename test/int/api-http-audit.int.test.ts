// The GraphQL over HTTP specification's server audit (graphql-http) against the API over real HTTP.
import { auditServer } from 'graphql-http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startSeededApi } from './api-fixture.js'

const services = inject('services')

describe('GraphQL over HTTP compliance', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 10)
  })
  afterAll(() => api?.close())

  it('passes every audit of the graphql-http server suite', async () => {
    const results = await auditServer({ url: api.url })
    const failures = results.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`)
    expect(results.length).toBeGreaterThan(50)
    expect(failures).toEqual([])
  })
})
