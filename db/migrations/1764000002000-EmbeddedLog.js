/**
 * The embedded log (src/log/embedded-log.ts): the log of record when no Kafka broker is configured. Records are
 * only ever appended; each partition's row holds the next offset to assign and is locked while a send appends.
 * Unused (empty) when the pipeline runs on Kafka.
 */
export class EmbeddedLog1764000002000 {
  name = 'EmbeddedLog1764000002000'

  async up(db) {
    await db.query(`CREATE TABLE "log_partition" (
      "topic" text NOT NULL,
      "partition" integer NOT NULL,
      "next_offset" bigint NOT NULL DEFAULT 0,
      PRIMARY KEY ("topic", "partition")
    )`)
    await db.query(`CREATE TABLE "log_record" (
      "topic" text NOT NULL,
      "partition" integer NOT NULL,
      "offset" bigint NOT NULL,
      "key" text,
      "value" bytea,
      "headers" jsonb NOT NULL DEFAULT '{}',
      "appended_at" timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY ("topic", "partition", "offset"),
      FOREIGN KEY ("topic", "partition") REFERENCES "log_partition" ("topic", "partition")
    )`)
  }

  async down(db) {
    await db.query(`DROP TABLE "log_record"`)
    await db.query(`DROP TABLE "log_partition"`)
  }
}
