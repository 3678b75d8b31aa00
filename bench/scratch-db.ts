import { parseArgs } from 'node:util'
import { DEFAULT_DB_URL } from '../src/config.js'
import { openDatabase } from '../src/db/data-source.js'
import type { Envelope } from '../src/domain/envelope.js'
import { DEFAULT_FEE_SPLIT } from '../src/domain/fee-split.js'
import { closeFinalEpochs } from '../src/project/projections/epochs.js'
import { createTestDatabase } from '../test/support/database.js'
import { applyBaselineBatch } from './baseline.js'
import { backlog, type BacklogShape } from './generate.js'

/**
 * A large projection to measure the API on, built faster than the projector builds it today: the bench's backlog
 * through the baseline handler (its rows equal the projector's, table by table, in every bench run), then the
 * projector's own epoch close (payouts, Merkle roots and proofs). The database is kept; its URL is printed.
 *
 *   node bench/dist/bench/scratch-db.js --inferences 1000000
 *   node bench/dist/bench/graphql.js --db-url <that URL>
 */
const { values } = parseArgs({ options: { inferences: { type: 'string' } } })
const shape: BacklogShape = { inferences: Number(values.inferences ?? 1_000_000), epochBlocks: 10_000, epochs: 5, chainId: 31337 }
const settings = { epochBlocks: shape.epochBlocks, defaultFeeSplit: DEFAULT_FEE_SPLIT }
const BATCH = 2_000

const database = await createTestDatabase(process.env.DB_URL ?? DEFAULT_DB_URL, 'attrib_scratch')
console.error(`building ${shape.inferences} inferences into ${database.url}`)
const db = await openDatabase(database.url, { poolSize: 2 })
try {
  const started = Date.now()
  let batch: Envelope[] = []
  let events = 0
  for (const { record } of backlog(shape)) {
    batch.push(JSON.parse(record.value.toString('utf8')) as Envelope)
    if (batch.length < BATCH) continue
    await applyBaselineBatch(db, batch, settings)
    events += batch.length
    batch = []
    if (events % 100_000 === 0) console.error(`${events} events, ${Math.round(events / ((Date.now() - started) / 1000))}/s`)
  }
  if (batch.length > 0) await applyBaselineBatch(db, batch, settings)
  await db.transaction((em) => closeFinalEpochs(em, shape.epochs * shape.epochBlocks, shape.epochBlocks))
  await db.query('VACUUM ANALYZE')
  console.error(`built in ${Math.round((Date.now() - started) / 1000)} s`)
  console.log(database.url)
} finally {
  await db.destroy()
}
