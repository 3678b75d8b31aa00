/**
 * Change notifications for the GraphQL API's subscriptions (src/api/change-feed.ts). Triggers on the projection
 * call pg_notify on the channel "attrib_changes" with a small JSON payload (kind, schema, ids); every API
 * instance LISTENs on its own connection and loads the rows itself. NOTIFY is transactional: listeners hear
 * only committed changes, once per listening connection, in commit order, so several API instances on one
 * database all deliver every event.
 *
 * Named after the projection's migrations (1795...) because its triggers need their tables.
 */
export class ApiNotifications1795620000000 {
  name = 'ApiNotifications1795620000000'

  async up(db) {
    // A settlement was projected.
    await db.query(`CREATE FUNCTION attrib_notify_inference() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('attrib_changes', json_build_object('kind', 'inference', 'schema', TG_TABLE_SCHEMA,
          'id', NEW.id, 'model', NEW.model_id, 'agent', NEW.agent_id)::text);
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_inference AFTER INSERT ON "inference"
      FOR EACH ROW EXECUTE FUNCTION attrib_notify_inference()`)

    // A contributor's earnings in an epoch changed (a fork's undo deletes or restores rows: also a change).
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

    // An epoch closed. Only the OPEN -> CLOSED update counts: a fork's undo re-inserts rows, never closes one.
    await db.query(`CREATE FUNCTION attrib_notify_epoch_closed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('attrib_changes', json_build_object('kind', 'epochClosed', 'schema', TG_TABLE_SCHEMA,
          'id', NEW.id)::text);
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_epoch_closed AFTER UPDATE OF status ON "epoch"
      FOR EACH ROW WHEN (OLD.status <> 'CLOSED' AND NEW.status = 'CLOSED') EXECUTE FUNCTION attrib_notify_epoch_closed()`)

    // A fork was undone: attrib_undo_blocks forgets the applied events of the orphaned blocks, in one statement.
    await db.query(`CREATE FUNCTION attrib_notify_rollback() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE span record;
      BEGIN
        SELECT min(block_number) AS first, max(block_number) AS last, count(*) AS events INTO span
        FROM undone WHERE block_number IS NOT NULL;
        IF span.events > 0 THEN
          PERFORM pg_notify('attrib_changes', json_build_object('kind', 'rollback', 'schema', TG_TABLE_SCHEMA,
            'fromBlock', span.first, 'toBlock', span.last, 'events', span.events)::text);
        END IF;
        RETURN NULL;
      END $$`)
    await db.query(`CREATE TRIGGER attrib_notify_rollback AFTER DELETE ON "applied_event"
      REFERENCING OLD TABLE AS undone FOR EACH STATEMENT EXECUTE FUNCTION attrib_notify_rollback()`)
  }

  async down(db) {
    await db.query(`DROP TRIGGER attrib_notify_rollback ON "applied_event"`)
    await db.query(`DROP TRIGGER attrib_notify_epoch_closed ON "epoch"`)
    await db.query(`DROP TRIGGER attrib_notify_earnings ON "contributor_epoch_stat"`)
    await db.query(`DROP TRIGGER attrib_notify_inference ON "inference"`)
    await db.query(`DROP FUNCTION attrib_notify_rollback()`)
    await db.query(`DROP FUNCTION attrib_notify_epoch_closed()`)
    await db.query(`DROP FUNCTION attrib_notify_earnings()`)
    await db.query(`DROP FUNCTION attrib_notify_inference()`)
  }
}
