import { parseArgs } from 'node:util'
import { DEFAULT_DB_URL } from '../src/settings.js'
import { ensureKafka } from '../test/services/kafka.js'
import { measureUsageIngestion, usageIngestionRows } from './usage-ingestion.js'

/**
 * The usage-ingestion stage of `npm run bench` alone:
 * `node bench/dist/bench/usage.js [--records N] [--flood-seconds S] [--projector-paused] [--cpu-prof DIR] [--keep]`
 * (--projector-paused: the projector stops while the records are sent, so they measure the ingester alone;
 * --cpu-prof: profile the usage ingester into DIR).
 */
const { values: flags } = parseArgs({
  options: { records: { type: 'string' }, 'flood-seconds': { type: 'string' }, 'cpu-prof': { type: 'string' }, 'projector-paused': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
})
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim())
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const kafka = await ensureKafka({ brokers: brokers.join(',') })
try {
  const result = await measureUsageIngestion({
    brokers,
    adminUrl: process.env.DB_URL ?? DEFAULT_DB_URL,
    records: Number(flags.records ?? 30_000),
    floodSeconds: Number(flags['flood-seconds'] ?? 15),
    keep: flags.keep,
    cpuProfileDir: flags['cpu-prof'],
    projectorPaused: flags['projector-paused'],
    progress: (message) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`),
  })
  console.log(JSON.stringify(result, null, 2))
  for (const row of usageIngestionRows(result)) console.log(row.join('  '))
} catch (err) {
  console.error(err)
  process.exitCode = 1
} finally {
  await kafka.stop()
}
