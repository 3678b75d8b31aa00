/**
 * The API's change notices for settled inferences and changed earnings, sent once per statement instead of once
 * per row: a projector batch writes about a thousand inferences in one statement, and a row trigger called
 * pg_notify a thousand times in it. Each statement trigger reads the rows the statement wrote from its transition
 * tables and sends them in notices of at most 25 rows (a payload must stay under 8,000 bytes), so the API gets the
 * same changes in a few notices (src/api/change-feed.ts). Epoch-closed and rollback notices were already one per
 * close or undo. Transition tables allow one event per trigger: hence a trigger per event.
 */
export class ChangeNoticesPerStatement1795680000000 {
  name = 'ChangeNoticesPerStatement1795680000000'

  async up(db) {
    await db.query(`CREATE FUNCTION attrib_notify_rows(kind text, schema text, rows json) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('attrib_changes', json_build_object('kind', kind, 'schema', schema, 'rows', json_agg(r ORDER BY n))::text)
        FROM json_array_elements(rows) WITH ORDINALITY AS t(r, n)
        GROUP BY (n - 1) / 25;
      END $$`)

    await db.query(`DROP TRIGGER attrib_notify_inference ON "inference"`)
    await db.query(`DROP FUNCTION attrib_notify_inference()`)
    await db.query(`CREATE FUNCTION attrib_notify_inferences() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM attrib_notify_rows('inferences', TG_TABLE_SCHEMA, (SELECT json_agg(json_build_array(id, model_id, agent_id)) FROM added));
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_inferences AFTER INSERT ON "inference"
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION attrib_notify_inferences()`)

    // A contributor's earnings in an epoch changed: every row inserted or deleted, the updated rows whose amount
    // or count differ (a fork's undo deletes or restores rows: also a change).
    await db.query(`DROP TRIGGER attrib_notify_earnings ON "contributor_epoch_stat"`)
    await db.query(`DROP FUNCTION attrib_notify_earnings()`)
    await db.query(`CREATE FUNCTION attrib_notify_earnings() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE rows json;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT json_agg(json_build_array(id, contributor_id, epoch)) INTO rows FROM added;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT json_agg(json_build_array(id, contributor_id, epoch)) INTO rows FROM removed;
        ELSE
          SELECT json_agg(json_build_array(a.id, a.contributor_id, a.epoch)) INTO rows
          FROM after_update a JOIN before_update b USING (id)
          WHERE a.amount IS DISTINCT FROM b.amount OR a.attributions IS DISTINCT FROM b.attributions;
        END IF;
        IF rows IS NOT NULL THEN PERFORM attrib_notify_rows('earnings', TG_TABLE_SCHEMA, rows); END IF;
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_earnings_inserted AFTER INSERT ON "contributor_epoch_stat"
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION attrib_notify_earnings()`)
    await db.query(`CREATE TRIGGER attrib_notify_earnings_updated AFTER UPDATE ON "contributor_epoch_stat"
      REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION attrib_notify_earnings()`)
    await db.query(`CREATE TRIGGER attrib_notify_earnings_deleted AFTER DELETE ON "contributor_epoch_stat"
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION attrib_notify_earnings()`)
  }

  async down(db) {
    for (const event of ['inserted', 'updated', 'deleted']) await db.query(`DROP TRIGGER attrib_notify_earnings_${event} ON "contributor_epoch_stat"`)
    await db.query(`DROP FUNCTION attrib_notify_earnings()`)
    await db.query(`CREATE FUNCTION attrib_notify_earnings() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE changed contributor_epoch_stat;
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.amount = NEW.amount AND OLD.attributions = NEW.attributions THEN RETURN NULL; END IF;
        changed := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        PERFORM pg_notify('attrib_changes', json_build_object('kind', 'earnings', 'schema', TG_TABLE_SCHEMA,
          'id', changed.id, 'contributor', changed.contributor_id, 'epoch', changed.epoch)::text);
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_earnings AFTER INSERT OR UPDATE OR DELETE ON "contributor_epoch_stat"
      FOR EACH ROW EXECUTE FUNCTION attrib_notify_earnings()`)
    await db.query(`DROP TRIGGER attrib_notify_inferences ON "inference"`)
    await db.query(`DROP FUNCTION attrib_notify_inferences()`)
    await db.query(`CREATE FUNCTION attrib_notify_inference() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('attrib_changes', json_build_object('kind', 'inference', 'schema', TG_TABLE_SCHEMA,
          'id', NEW.id, 'model', NEW.model_id, 'agent', NEW.agent_id)::text);
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_inference AFTER INSERT ON "inference"
      FOR EACH ROW EXECUTE FUNCTION attrib_notify_inference()`)
    await db.query(`DROP FUNCTION attrib_notify_rows(text, text, json)`)
  }
}
