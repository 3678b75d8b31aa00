import type { EntityManager } from 'typeorm'

/** Appends the range of one partition the current transaction applies (see the projection_journal table). */
export async function journalBatch(em: EntityManager, group: string, topic: string, partition: number, first: bigint, last: bigint) {
  await em.query(
    'INSERT INTO projection_journal (group_id, topic, partition, first_offset, last_offset) VALUES ($1, $2, $3, $4, $5)',
    [group, topic, partition, first.toString(), last.toString()],
  )
}

/** Records that the epochs due at `finalizedHeight` were closed at this point of the interleaving. */
export async function journalEpochClose(em: EntityManager, group: string, finalizedHeight: number) {
  await em.query(
    `INSERT INTO projection_journal (kind, group_id, topic, partition, first_offset, last_offset)
     VALUES ('close-epochs', $1, '', -1, $2, $2)`,
    [group, finalizedHeight],
  )
}
