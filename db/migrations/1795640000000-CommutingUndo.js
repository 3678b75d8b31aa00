/**
 * Undoing a fork must keep what was written outside the chain's order. A usage record joins its settlement
 * whenever it arrives, and an epoch close rolls an unstaked pool into the next epoch: both add to rows (per-epoch
 * earnings, epoch totals) that events of hot blocks also changed. Putting back a whole before-image would erase
 * those later additions, and an epoch would then no longer reconcile.
 *
 * So the undo works column by column. Each recorded change keeps its before- and after-image; undoing it
 * subtracts what the change added to a counter column (declared per table by the trigger's arguments, see
 * src/db/undo.ts) and puts back the before-value of every other column it changed, leaving columns it did not
 * touch as they are now. A row the block inserted goes away unless something outside the block changed it since.
 */
export class CommutingUndo1795640000000 {
  name = 'CommutingUndo1795640000000'

  async up(db) {
    await db.query(`ALTER TABLE "undo_log" ADD COLUMN "new_row" jsonb, ADD COLUMN "counters" text[]`)
    await db.query(`CREATE OR REPLACE FUNCTION attrib_record_undo() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE block text := current_setting('attrib.undo_block', true);
      BEGIN
        IF block IS NULL OR block = '' THEN RETURN NULL; END IF;
        IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN RETURN NULL; END IF;
        INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row, new_row, counters)
        VALUES (split_part(block, ':', 1)::integer, split_part(block, ':', 2), TG_TABLE_NAME,
                CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
                -- an insert's after-image is only needed to take its counters back out
                CASE WHEN TG_OP = 'DELETE' OR (TG_OP = 'INSERT' AND TG_NARGS = 0) THEN NULL ELSE to_jsonb(NEW) END,
                TG_ARGV);
        RETURN NULL;
      END $$`)
    // The row to leave after undoing one change, from the change's images and the row as it is now (NULL: none).
    await db.query(`CREATE FUNCTION attrib_undone_row(old_row jsonb, new_row jsonb, counters text[], now_row jsonb)
      RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE restored jsonb := now_row; k text;
      BEGIN
        -- a delete, an insert without counters, or a row removed since: the before-image (none for an insert)
        IF new_row IS NULL OR now_row IS NULL THEN RETURN old_row; END IF;
        FOR k IN SELECT jsonb_object_keys(new_row) LOOP
          IF k = ANY(counters) THEN
            restored := jsonb_set(restored, ARRAY[k], to_jsonb((now_row->>k)::numeric
              - ((new_row->>k)::numeric - coalesce((old_row->>k)::numeric, 0))));
          ELSIF old_row IS NOT NULL AND (old_row->k) IS DISTINCT FROM (new_row->k) THEN
            restored := jsonb_set(restored, ARRAY[k], old_row->k);
          END IF;
        END LOOP;
        IF old_row IS NULL AND (restored - counters) = (new_row - counters)
           AND NOT EXISTS (SELECT 1 FROM unnest(counters) AS c WHERE (restored->>c)::numeric <> 0) THEN
          RETURN NULL; -- inserted by the block, and nothing else has added to it or changed it since
        END IF;
        RETURN restored;
      END $$`)
    await db.query(`CREATE OR REPLACE FUNCTION attrib_undo_blocks(hashes text[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE change record; now_row jsonb; restored jsonb; undone integer := 0;
      BEGIN
        PERFORM set_config('attrib.undo_block', '', true);
        FOR change IN SELECT * FROM undo_log WHERE block_hash = ANY(hashes) ORDER BY seq DESC LOOP
          EXECUTE format('SELECT to_jsonb(t) FROM %I t WHERE id = $1', change.table_name) INTO now_row USING change.row_id;
          restored := attrib_undone_row(change.old_row, change.new_row, change.counters, now_row);
          IF restored IS DISTINCT FROM now_row THEN
            EXECUTE format('DELETE FROM %I WHERE id = $1', change.table_name) USING change.row_id;
            IF restored IS NOT NULL THEN
              EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)', change.table_name, change.table_name)
                USING restored;
            END IF;
          END IF;
          undone := undone + 1;
        END LOOP;
        DELETE FROM undo_log WHERE block_hash = ANY(hashes);
        DELETE FROM applied_event WHERE block_hash = ANY(hashes);
        RETURN undone;
      END $$`)
  }

  async down(db) {
    await db.query(`CREATE OR REPLACE FUNCTION attrib_undo_blocks(hashes text[]) RETURNS integer LANGUAGE plpgsql AS $$
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
    await db.query(`DROP FUNCTION attrib_undone_row(jsonb, jsonb, text[], jsonb)`)
    await db.query(`CREATE OR REPLACE FUNCTION attrib_record_undo() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await db.query(`ALTER TABLE "undo_log" DROP COLUMN "new_row", DROP COLUMN "counters"`)
  }
}
