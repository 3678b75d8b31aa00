/**
 * Tables of the usage ingester (src/ingest/usage): which inference ids were accepted, records waiting for the
 * projection to learn their node or model, and how far each watched file was read. The raw topic's consumer
 * keeps its offsets in "consumer_offset" (Infrastructure migration), like the projector.
 */
export class UsageIngestion1764000001000 {
  name = 'UsageIngestion1764000001000'

  async up(db) {
    // One row per accepted inference id, claimed before publishing so two conflicting records cannot both be
    // published. The envelope is kept until the log acknowledges it (then NULL): a crash between the claim and
    // the acknowledgement is repaired by re-publishing it, never lost.
    await db.query(`CREATE TABLE "usage_record_seen" (
      "inference_id" text PRIMARY KEY,
      "digest" text NOT NULL,
      "source" text NOT NULL,
      "envelope" text,
      "claimed_at" timestamptz NOT NULL DEFAULT now(),
      "published_at" timestamptz
    )`)
    await db.query(`CREATE INDEX "usage_record_seen_unpublished" ON "usage_record_seen" ("claimed_at") WHERE "published_at" IS NULL`)
    // Authenticated records whose node, model or agent the projection has not seen yet (waiting_for says which).
    await db.query(`CREATE TABLE "usage_pending" (
      "inference_id" text PRIMARY KEY,
      "digest" text NOT NULL,
      "source" text NOT NULL,
      "position" text NOT NULL,
      "record" jsonb NOT NULL,
      "original" bytea NOT NULL,
      "record_time" timestamptz NOT NULL,
      "waiting_for" text[] NOT NULL,
      "received_at" timestamptz NOT NULL DEFAULT now()
    )`)
    await db.query(`CREATE INDEX "usage_pending_received_at" ON "usage_pending" ("received_at")`)
    // The file source's position per file; file_id (device:inode) tells a replaced file from a grown one.
    await db.query(`CREATE TABLE "usage_file_cursor" (
      "path" text PRIMARY KEY,
      "file_id" text NOT NULL,
      "byte_offset" bigint NOT NULL,
      "line" integer NOT NULL,
      "updated_at" timestamptz NOT NULL DEFAULT now()
    )`)
  }

  async down(db) {
    await db.query(`DROP TABLE "usage_file_cursor"`)
    await db.query(`DROP TABLE "usage_pending"`)
    await db.query(`DROP TABLE "usage_record_seen"`)
  }
}
