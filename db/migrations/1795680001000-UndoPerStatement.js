/**
 * Fork-undo capture per statement instead of per row. Each projection table gets three statement triggers
 * (src/db/undo.ts, one per event: a transition table serves one event), which copy the rows the statement
 * inserted, updated or deleted from its transition tables into undo_log in one INSERT … SELECT, with the same
 * images the row trigger recorded (CommutingUndo1795640000000). A row changes at most once per statement, so
 * the seq order between statements is all the undo needs. While no hot block is being recorded (a catch-up's
 * final blocks) the triggers' WHEN clause keeps the function from being called at all.
 */
export class UndoPerStatement1795680001000 {
  name = 'UndoPerStatement1795680001000'

  async up(db) {
    await db.query(`CREATE FUNCTION attrib_record_undo_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE block text := current_setting('attrib.undo_block', true); recorded_number integer; recorded_hash text;
      BEGIN
        IF block IS NULL OR block = '' THEN RETURN NULL; END IF;
        recorded_number := split_part(block, ':', 1)::integer;
        recorded_hash := split_part(block, ':', 2);
        IF TG_OP = 'INSERT' THEN
          INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row, new_row, counters)
          -- an insert's after-image is only needed to take its counters back out
          SELECT recorded_number, recorded_hash, TG_TABLE_NAME, n.id, NULL, CASE WHEN TG_NARGS = 0 THEN NULL ELSE to_jsonb(n) END, TG_ARGV
          FROM inserted n;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row, new_row, counters)
          SELECT recorded_number, recorded_hash, TG_TABLE_NAME, o.id, to_jsonb(o), NULL, TG_ARGV FROM deleted o;
        ELSE
          INSERT INTO undo_log (block_number, block_hash, table_name, row_id, old_row, new_row, counters)
          SELECT recorded_number, recorded_hash, TG_TABLE_NAME, n.id, to_jsonb(o), to_jsonb(n), TG_ARGV
          FROM updated_before o JOIN updated_after n ON n.id = o.id
          WHERE to_jsonb(o) IS DISTINCT FROM to_jsonb(n);
        END IF;
        RETURN NULL;
      END $$`)
    const tables = await db.query(`SELECT c.relname AS table FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE g.tgname = 'attrib_undo' AND c.relnamespace = to_regnamespace(current_schema())`)
    // ensureUndoTriggers (run after the migrations) installs the statement triggers on every projection table.
    for (const { table } of tables) await db.query(`DROP TRIGGER attrib_undo ON "${table}"`)
  }

  async down(db) {
    const tables = await db.query(`SELECT DISTINCT c.relname AS table FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE g.tgname LIKE 'attrib_undo_%' AND c.relnamespace = to_regnamespace(current_schema())`)
    for (const { table } of tables) {
      for (const event of ['inserted', 'updated', 'deleted']) await db.query(`DROP TRIGGER IF EXISTS attrib_undo_${event} ON "${table}"`)
    }
    await db.query(`DROP FUNCTION attrib_record_undo_rows()`)
  }
}
