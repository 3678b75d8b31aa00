/**
 * Undoing a change puts the row back in place (UPDATE of every column from the restored image) instead of
 * deleting and re-inserting it: a row that other rows reference by foreign key, such as a contribution with its
 * history in contribution_event, cannot be deleted, so undoing a review in an orphaned block failed and the
 * orphaning was dead-lettered. Rows the block inserted are still deleted, and rows it deleted re-inserted.
 */
export class UndoInPlace1795650001000 {
  name = 'UndoInPlace1795650001000'

  async up(db) {
    await db.query(`CREATE OR REPLACE FUNCTION attrib_undo_blocks(hashes text[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE change record; now_row jsonb; restored jsonb; columns text; undone integer := 0;
      BEGIN
        PERFORM set_config('attrib.undo_block', '', true);
        FOR change IN SELECT * FROM undo_log WHERE block_hash = ANY(hashes) ORDER BY seq DESC LOOP
          EXECUTE format('SELECT to_jsonb(t) FROM %I t WHERE id = $1', change.table_name) INTO now_row USING change.row_id;
          restored := attrib_undone_row(change.old_row, change.new_row, change.counters, now_row);
          IF restored IS DISTINCT FROM now_row THEN
            IF restored IS NULL THEN
              EXECUTE format('DELETE FROM %I WHERE id = $1', change.table_name) USING change.row_id;
            ELSIF now_row IS NULL THEN
              EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)', change.table_name, change.table_name)
                USING restored;
            ELSE
              SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
              FROM pg_attribute a WHERE a.attrelid = change.table_name::regclass AND a.attnum > 0 AND NOT a.attisdropped;
              EXECUTE format('UPDATE %I SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%I, $1)) WHERE id = $2',
                change.table_name, columns, columns, change.table_name)
                USING restored, change.row_id;
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
}
