/**
 * Tables of the pipeline itself (not of the attribution graph): where the ingester is on the chain, how far
 * each consumer group has applied each partition, which event ids are applied, and what was dead-lettered.
 */
export class Infrastructure1764000000000 {
  name = 'Infrastructure1764000000000'

  async up(db) {
    // The chain ingester's cursor: last final block plus the hot (unfinalized) blocks published after it.
    await db.query(`CREATE TABLE "ingest_cursor" (
      "chain_id" integer PRIMARY KEY,
      "height" integer NOT NULL,
      "hash" text NOT NULL,
      "top" jsonb NOT NULL DEFAULT '[]'
    )`)
    // Next offset to apply per (group, topic, partition); written in the same transaction as the projection.
    await db.query(`CREATE TABLE "consumer_offset" (
      "group_id" text NOT NULL,
      "topic" text NOT NULL,
      "partition" integer NOT NULL,
      "next_offset" bigint NOT NULL,
      PRIMARY KEY ("group_id", "topic", "partition")
    )`)
    // Event ids applied to the projection, so a re-published event is recognised and skipped.
    await db.query(`CREATE TABLE "applied_event" (
      "id" text PRIMARY KEY,
      "block_number" integer,
      "block_hash" text
    )`)
    await db.query(`CREATE INDEX "applied_event_block" ON "applied_event" ("block_number") WHERE "block_number" IS NOT NULL`)
    // Records that could not be applied, with the original bytes and a machine-readable reason. `key` is
    // deterministic (the source position or event id), so a dead letter published twice is stored once.
    await db.query(`CREATE TABLE "dead_letter" (
      "id" bigserial PRIMARY KEY,
      "key" text NOT NULL UNIQUE,
      "stage" text NOT NULL,
      "reason" text NOT NULL,
      "detail" text NOT NULL,
      "topic" text,
      "partition" integer,
      "offset" bigint,
      "event_id" text,
      "raw" bytea,
      "recorded_at" timestamptz NOT NULL DEFAULT now()
    )`)
    await db.query(`CREATE INDEX "dead_letter_reason" ON "dead_letter" ("reason")`)
  }

  async down(db) {
    await db.query(`DROP TABLE "dead_letter"`)
    await db.query(`DROP TABLE "applied_event"`)
    await db.query(`DROP TABLE "consumer_offset"`)
    await db.query(`DROP TABLE "ingest_cursor"`)
  }
}
