// attribution_edge keeps only the indexes the API reads by (db/migrations/1795660000000-EdgeIndexesTheApiUses.js,
// 1795690000000-EdgeKeyInByteOrder.js, 1795700000000-EdgeKeyBySettlementBlock.js):
// every statement the API runs on it must still find its rows through one. Each statement is explained as it
// runs, with sequential scans priced out (enable_seqscan = off): a plan that still reads the whole edge table
// had no index to use, which on 8M edges is a statement of seconds.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { topContributors, topDatanets, topModels } from '../../src/api/analytics.js'
import { entities } from '../../src/api/entities/index.js'
import { walkLineage, LINEAGE_RELATIONS } from '../../src/api/lineage.js'
import { countByParent, countRows, listPage, listPagesByParent } from '../../src/api/listing.js'
import { createLoaders } from '../../src/api/loaders.js'
import { reconcileEpochRows, type EpochRow } from '../../src/api/reconciliation.js'
import { wholeRows } from '../../src/api/references.js'
import type { Sql } from '../../src/api/sql.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createTestDatabase } from '../support/database.js'
import { CLOSED_EPOCHS, generateFixture, seedFixture, type Fixture } from './api-fixture.js'

const services = inject('services')

type Plan = { 'Node Type': string; 'Relation Name'?: string; 'Plan Rows': number; Plans?: Plan[] }

function edgeTableScans(plan: Plan): number {
  const own = plan['Node Type'] === 'Seq Scan' && plan['Relation Name'] === 'attribution_edge' ? 1 : 0
  return own + (plan.Plans ?? []).reduce((n, child) => n + edgeTableScans(child), 0)
}

/** The most edge rows any node of the plan expects to read from the edge table. */
function edgeRowsExpected(plan: Plan): number {
  const own = plan['Relation Name'] === 'attribution_edge' ? plan['Plan Rows'] : 0
  return Math.max(own, ...(plan.Plans ?? []).map(edgeRowsExpected))
}

describe('attribution edges: the API reads them by index', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let client: pg.Client
  let fixture: Fixture
  /** The statements on attribution_edge run since the last `take()`, each with how often its plan scans the table. */
  let explained: { text: string; scans: number; rows: number }[] = []

  /** The API's Sql, explaining each statement before running it on the same connection. */
  const sql: Sql = {
    statements: 0,
    async query<T>(text: string, params: unknown[] = []) {
      if (text.includes('attribution_edge')) {
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${text}`, params)
        const plan = rows[0]['QUERY PLAN'][0].Plan
        explained.push({ text, scans: edgeTableScans(plan), rows: edgeRowsExpected(plan) })
      }
      return (await client.query(text, params)).rows as T[]
    },
  }
  const take = () => {
    const taken = explained
    explained = []
    return taken
  }

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    await (await openDatabase(database.url)).destroy()
    fixture = generateFixture(2000)
    await seedFixture(database.url, fixture)
    client = new pg.Client({ connectionString: database.url })
    await client.connect()
    await client.query('ANALYZE')
    await client.query('SET enable_seqscan = off')
  })
  afterAll(async () => {
    await client?.end()
    await database?.drop()
  })

  it('keeps two B-trees on the edge table (its key, in byte order, and contribution) and the block ranges of its epochs', async () => {
    const { rows } = await client.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'attribution_edge' ORDER BY indexdef`)
    const indexes = rows.map((r) => { const [, method, columns] = /USING (\w+) \((.*?)\)/.exec(r.indexdef)!; return `${method} ${columns}` }).sort()
    expect(indexes).toEqual(['brin epoch', 'btree contribution_id', 'btree id'])
    const { rows: [key] } = await client.query(
      `SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'attribution_edge' AND column_name = 'id'`,
    )
    expect(key.collation_name).toBe('C') // an inference's edges are one range of the key only in byte order
  })

  it('lists, counts and pages the edges of a contributor, a datanet, a contribution and an inference through an index', async () => {
    const spec = entities.AttributionEdge
    const edge = fixture.edges[0]
    const parents = { contributor: edge.contributorId, datanet: edge.datanetId, contribution: edge.contributionId, inference: edge.inferenceId }
    for (const [relation, id] of Object.entries(parents)) {
      const where = { [relation]: { eq: id } }
      const page = await listPage(sql, spec, { first: 10, where })
      expect(page.nodes.length, relation).toBeGreaterThan(0)
      expect(page.nodes.every((n) => n[`${relation}Id`] === id), relation).toBe(true)
      await countRows(sql, spec, { where })
      const [children] = await listPagesByParent(sql, spec, relation, [id], { first: 10 }, wholeRows(spec), async () => 0)
      expect(children.nodes.map((n) => n.id), relation).toEqual(page.nodes.map((n) => n.id))
      const [count] = await countByParent(sql, spec, relation, [id], null)
      expect(count, relation).toBe(fixture.edges.filter((e) => (e as unknown as Record<string, string>)[`${relation}Id`] === id).length)
      await listPage(sql, spec, { first: 10, where: { [relation]: { in: [id] } } })
    }
    const statements = take()
    expect(statements.length).toBeGreaterThanOrEqual(20)
    expect(statements.filter((s) => s.scans > 0).map((s) => s.text)).toEqual([])
  })

  it("plans an inference's edges for the few it has, not for a share of the whole table", async () => {
    // The key range's bounds are read off the inference's row, unknown when the statement is planned: without
    // the equality on inference_id PostgreSQL guesses 0.5 % of all edges (40,000 at 8M) and plans for them.
    const spec = entities.AttributionEdge
    const inferenceId = fixture.edges[0].inferenceId
    const perInference = new Map<string, number>()
    for (const e of fixture.edges) perInference.set(e.inferenceId, (perInference.get(e.inferenceId) ?? 0) + 1)
    const most = Math.max(...perInference.values())
    expect(fixture.edges.length * 0.005).toBeGreaterThan(3 * most) // the guess would stand out
    await listPage(sql, spec, { first: 10, where: { inference: { eq: inferenceId } } })
    await listPagesByParent(sql, spec, 'inference', [inferenceId], { first: 10 }, wholeRows(spec), async () => 0)
    await countByParent(sql, spec, 'inference', [inferenceId], null)
    const walk = { depth: 1, fanout: 50, maxEdges: 500, relations: LINEAGE_RELATIONS }
    await walkLineage(sql, { ...walk, kind: 'INFERENCE', id: inferenceId, direction: 'UPSTREAM' })
    const statements = take()
    expect(statements.length).toBe(4)
    expect(statements.filter((s) => s.rows > most).map((s) => `${s.rows} rows expected: ${s.text}`)).toEqual([])
  })

  it('answers rankings, earnings, lineage and reconciliation without reading the whole edge table', async () => {
    const edge = fixture.edges[0]
    for (const epoch of [undefined, CLOSED_EPOCHS[0]]) {
      expect((await topModels(sql, { contributor: edge.contributorId, epoch }, 10)).length).toBeGreaterThan(0)
      expect((await topModels(sql, { datanet: edge.datanetId, epoch }, 10)).length).toBeGreaterThan(0)
      await topDatanets(sql, { contributor: edge.contributorId, epoch }, 10)
      await topContributors(sql, { datanet: edge.datanetId, epoch }, 10)
    }
    await createLoaders(sql).earned('contribution').load(edge.contributionId)
    const walk = { depth: 2, fanout: 50, maxEdges: 500, relations: LINEAGE_RELATIONS }
    await walkLineage(sql, { ...walk, kind: 'INFERENCE', id: edge.inferenceId, direction: 'UPSTREAM' })
    await walkLineage(sql, { ...walk, kind: 'CONTRIBUTION', id: edge.contributionId, direction: 'DOWNSTREAM' })
    const { rows: [epoch] } = await client.query<EpochRow>(
      `SELECT id, status, inferences, fees, platform_fees AS "platformFees", net_fees AS "netFees", stakers_pool AS "stakersPool",
         rolled_in AS "rolledIn", rolled_over AS "rolledOver", payout_total AS "payoutTotal" FROM epoch WHERE id = $1`,
      [String(CLOSED_EPOCHS[0])],
    )
    const reconciliation = await reconcileEpochRows(sql, epoch)
    expect(reconciliation.balanced).toBe(true)
    expect(reconciliation.attributed).toBe(fixture.edges.filter((e) => e.epoch === CLOSED_EPOCHS[0]).reduce((sum, e) => sum + e.amount, 0n).toString())
    const statements = take()
    expect(statements.length).toBeGreaterThanOrEqual(5)
    expect(statements.filter((s) => s.scans > 0).map((s) => s.text)).toEqual([])
  })
})
