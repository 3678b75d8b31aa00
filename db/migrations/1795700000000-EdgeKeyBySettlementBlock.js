/**
 * An attribution edge's key starts with its settlement's block number, 10 digits:
 * `<block>-<inference id>-<contribution id>` (src/domain/attribution.ts, attributionEdgeId). Edges are written in
 * about the order of their blocks, so each new key lands at the right end of the key's B-tree instead of at a
 * random place: at 1M inferences (8M edges) the tree of random 66-byte keys outgrew shared buffers and most of
 * the edge COPY's time went to reading and writing back its pages. An inference's edges stay one range of the
 * key, bounded by its block and id (src/api/entities/settlement.ts, edgesOfInference). Undo rows that name an
 * edge are rewritten with it, so a fork that happens across the upgrade still deletes the right rows.
 */
export class EdgeKeyBySettlementBlock1795700000000 {
  name = 'EdgeKeyBySettlementBlock1795700000000'

  async up(db) {
    await db.query(`UPDATE "attribution_edge" e SET "id" = lpad(i.block_number::text, 10, '0') || '-' || e."id"
      FROM "inference" i WHERE i.id = e.inference_id`)
    await db.query(`UPDATE "undo_log" u SET "row_id" = k.id,
        "old_row" = CASE WHEN u."old_row" IS NULL THEN NULL ELSE jsonb_set(u."old_row", '{id}', to_jsonb(k.id)) END,
        "new_row" = CASE WHEN u."new_row" IS NULL THEN NULL ELSE jsonb_set(u."new_row", '{id}', to_jsonb(k.id)) END
      FROM (SELECT x.seq, lpad(i.block_number::text, 10, '0') || '-' || x.row_id AS id
            FROM "undo_log" x JOIN "inference" i ON i.id = split_part(x.row_id, '-', 1)
            WHERE x.table_name = 'attribution_edge') k
      WHERE u.seq = k.seq`)
  }

  async down(db) {
    await db.query(`UPDATE "attribution_edge" SET "id" = substr("id", 12)`)
    await db.query(`UPDATE "undo_log" SET "row_id" = substr("row_id", 12),
        "old_row" = CASE WHEN "old_row" IS NULL THEN NULL ELSE jsonb_set("old_row", '{id}', to_jsonb(substr("row_id", 12))) END,
        "new_row" = CASE WHEN "new_row" IS NULL THEN NULL ELSE jsonb_set("new_row", '{id}', to_jsonb(substr("row_id", 12))) END
      WHERE "table_name" = 'attribution_edge'`)
  }
}
