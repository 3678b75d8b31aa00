import type { DataSource } from 'typeorm'
import { retryWhileDatabaseDown } from '../../db/outage.js'
import type { Logger } from '../../logger.js'
import type { Log, LogConsumer, LogRecord } from '../../log/log.js'
import { splitBody, type SourceItem } from './body.js'
import type { UsageIngester } from './ingester.js'

/**
 * The raw topic (`<ns>.usage.raw`) that producers write to directly: each message holds one record, a JSON
 * array or NDJSON. Its records go through the same ingestion as HTTP's; the consumer's position is saved in
 * Postgres (consumer_offset) after the log has acknowledged what the messages produced, so a crash re-reads
 * them and deduplication absorbs the repeat.
 */
const ITEMS_PER_ROUND = 500

export async function startRawTopicSource(options: {
  log: Log
  db: DataSource
  ingester: UsageIngester
  topic: string
  group: string
  maxRecordBytes: number
  logger: Logger
}): Promise<LogConsumer> {
  const { db, ingester, topic, group } = options
  const consumer = await options.log.consumer(group)
  await consumer.start({
    topics: [topic],
    startOffset: (t, partition) => readOffset(db, group, t, partition),
    handle: async (batch) => {
      let items: SourceItem[] = []
      for (const [i, record] of batch.records.entries()) {
        items.push(...itemsOf(record, options.maxRecordBytes))
        const last = i === batch.records.length - 1
        if (items.length < ITEMS_PER_ROUND && !last) continue
        // Ingesting again after an outage is safe: what was published already is a duplicate now.
        const round = items
        await retryWhileDatabaseDown('ingesting raw usage records', { service: 'usage-ingest', logger: options.logger }, async () => {
          await ingester.ingest(round, 'kafka')
          await saveOffset(db, group, record, record.offset + 1n)
        })
        items = []
      }
    },
  })
  options.logger.info({ topic, group }, 'consuming raw usage records')
  return consumer
}

function itemsOf(record: LogRecord, maxRecordBytes: number): SourceItem[] {
  const where = `${record.topic}/${record.partition}@${record.offset}`
  const items = record.value
    ? splitBody(record.value, false, { maxRecordBytes, position: (index, line) => (line === undefined ? `${where} item ${index}` : `${where} line ${line}`) })
    : []
  if (items.length > 0) return items
  // An empty message is still something a producer sent: it is refused, not skipped.
  return [{ position: where, original: record.value ?? Buffer.alloc(0), parsed: { ok: false, reason: 'empty-record', detail: 'message has no records' } }]
}

async function readOffset(db: DataSource, group: string, topic: string, partition: number): Promise<bigint | undefined> {
  const [row] = await db.query(
    'SELECT next_offset FROM consumer_offset WHERE group_id = $1 AND topic = $2 AND partition = $3',
    [group, topic, partition],
  )
  return row ? BigInt(row.next_offset) : undefined
}

async function saveOffset(db: DataSource, group: string, at: LogRecord, next: bigint): Promise<void> {
  await db.query(
    `INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
     ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = GREATEST(consumer_offset.next_offset, excluded.next_offset)`,
    [group, at.topic, at.partition, next.toString()],
  )
}
