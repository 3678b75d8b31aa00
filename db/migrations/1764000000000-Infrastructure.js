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
    // The order in which the projector applied the log's partitions, one row per transaction: the topics are
    // separate streams, and this is the interleaving a replay must follow to reproduce the same state.
    // kind 'batch': records first_offset..last_offset of topic/partition; kind 'close-epochs': epochs closed
    // up to the finalized height kept in first_offset (a decision of the projector, not of one record).
    await db.query(`CREATE TABLE "projection_journal" (
      "seq" bigserial PRIMARY KEY,
      "kind" text NOT NULL DEFAULT 'batch',
      "group_id" text NOT NULL,
      "topic" text NOT NULL,
      "partition" integer NOT NULL,
      "first_offset" bigint NOT NULL,
      "last_offset" bigint NOT NULL
    )`)
    // Event ids applied to the projection, so a re-published event is recognised and skipped.
    await db.query(`CREATE TABLE "applied_event" (
      "id" text PRIMARY KEY,
      "block_number" integer,
      "block_hash" text
    )`)
    await db.query(`CREATE INDEX "applied_event_block_hash" ON "applied_event" ("block_hash") WHERE "block_hash" IS NOT NULL`)
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
    // The projector's view of the chain: every block up to finalized_height is final.
    await db.query(`CREATE TABLE "chain_state" (
      "chain_id" integer PRIMARY KEY,
      "finalized_height" integer NOT NULL,
      "finalized_hash" text NOT NULL
    )`)
    // Before-images of projection rows changed by events of hot (not yet final) blocks, for undoing a fork.
    // Filled by a trigger on every projection table while the session setting attrib.undo_block says which
    // block is being applied ("<number>:<hash>"); emptied when the block becomes final or is undone.
    await db.query(`CREATE TABLE "undo_log" (
      "seq" bigserial PRIMARY KEY,
      "block_number" integer NOT NULL,
      "block_hash" text NOT NULL,
      "table_name" text NOT NULL,
      "row_id" text NOT NULL,
      "old_row" jsonb
    )`)
    await db.query(`CREATE INDEX "undo_log_block_hash" ON "undo_log" ("block_hash")`)
    await db.query(`CREATE INDEX "undo_log_block_number" ON "undo_log" ("block_number")`)
    await db.query(`CREATE FUNCTION attrib_record_undo() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE block text := current_setting('attrib.undo_block', true);
      BEGIN
        IF block IS NULL OR block = '' THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row)
          VALUES (split_part(block, ':', 1)::integer, split_part(block, ':', 2), TG_TABLE_NAME, NEW.id, NULL);
        ELSE
          INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row)
          VALUES (split_part(block, ':', 1)::integer, split_part(block, ':', 2), TG_TABLE_NAME, OLD.id, to_jsonb(OLD));
        END IF;
        RETURN NULL;
      END $$`)
    // Restores every row the given blocks changed, newest change first, and forgets their applied events.
    await db.query(`CREATE FUNCTION attrib_undo_blocks(hashes text[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE change record; undone integer := 0;
      BEGIN
        PERFORM set_config('attrib.undo_block', '', true);
        FOR change IN SELECT * FROM undo_log WHERE block_hash = ANY(hashes) ORDER BY seq DESC LOOP
          EXECUTE format('DELETE FROM %I WHERE id = $1', change.table_name) USING change.row_id;
          IF change.old_row IS NOT NULL THEN
            EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)', change.table_name, change.table_name)
              USING change.old_row;
          END IF;
          undone := undone + 1;
        END LOOP;
        DELETE FROM undo_log WHERE block_hash = ANY(hashes);
        DELETE FROM applied_event WHERE block_hash = ANY(hashes);
        RETURN undone;
      END $$`)
  }

  async down(db) {
    await db.query(`DROP FUNCTION attrib_undo_blocks(text[])`)
    await db.query(`DROP FUNCTION attrib_record_undo()`)
    await db.query(`DROP TABLE "undo_log"`)
    await db.query(`DROP TABLE "chain_state"`)
    await db.query(`DROP TABLE "dead_letter"`)
    await db.query(`DROP TABLE "projection_journal"`)
    await db.query(`DROP TABLE "applied_event"`)
    await db.query(`DROP TABLE "consumer_offset"`)
    await db.query(`DROP TABLE "ingest_cursor"`)
  }
}
