import pg from 'pg'
import { rowWithChildren } from './lib/api/listing.js'
import { entities } from './lib/api/entities/index.js'
import { joinsFor } from './lib/api/references.js'
const c = new pg.Client({ connectionString: process.env.DB_URL }); await c.connect()
const { rows: [{ id }] } = await c.query("SELECT id FROM inference WHERE mode = 'USAGE' ORDER BY block_number DESC, id LIMIT 1")
let text, params
await rowWithChildren({ query: async (t, p) => { text = t; params = p; return [] } }, entities.Inference, id, { spec: entities.AttributionEdge, relation: 'inference', args: { first: 100 }, joins: [{ field: 'contribution', target: entities.Contribution, on: 't.contribution_id' }], count: async () => 0 })
console.log(text)
const r = await c.query('EXPLAIN (ANALYZE, BUFFERS) ' + text, params)
console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'))
await c.end()
