import type { EntityManager } from 'typeorm'
import type { DeadLetter } from '../log/dead-letter.js'
import type { LogRecord } from '../log/log.js'
import { metrics } from '../metrics.js'

export type StoredDeadLetter = DeadLetter & { position: LogRecord }

/** Stores dead letters in the projection, once per key, with the log position they were read at. */
export async function storeDeadLetters(em: EntityManager, letters: StoredDeadLetter[]): Promise<void> {
  if (letters.length === 0) return
  const stored: { stage: string; reason: string }[] = await em.query(
    `INSERT INTO dead_letter (key, stage, reason, detail, topic, partition, "offset", event_id, raw)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::text[], $9::bytea[])
     ON CONFLICT (key) DO NOTHING RETURNING stage, reason`,
    [
      letters.map((l) => l.key),
      letters.map((l) => l.stage),
      letters.map((l) => l.reason),
      letters.map((l) => l.detail),
      letters.map((l) => l.position.topic),
      letters.map((l) => l.position.partition),
      letters.map((l) => l.position.offset.toString()),
      letters.map((l) => l.eventId ?? null),
      letters.map((l) => l.original),
    ],
  )
  for (const { stage, reason } of stored) metrics.deadLetters.inc({ stage, reason })
}
