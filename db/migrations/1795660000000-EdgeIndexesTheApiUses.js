/**
 * attribution_edge, written eight rows per settled inference, keeps only the B-trees a query reads:
 * - its primary key (id): lookups by id, and undoing a fork (attrib_undo_blocks finds rows by id);
 * - inference_id: an inference's attributions (Inference.attributions, the inferences' lineage);
 * - contribution_id: a contribution's attributions and earnings (Contribution.attributions, the loaders'
 *   earned sums, lineage downstream of a contribution), and through contributions those of a contributor or a
 *   datanet (src/api/entities/settlement.ts; the topModels ranking scoped by either).
 * The indexes on contributor_id, datanet_id and (epoch, contributor_id) go: every contributor, datanet and epoch
 * total the API serves is read from the per-epoch earnings tables, and an epoch's reconciliation sums its edges
 * through the epoch's inferences. Measured on 1M edge rows: 6 B-trees 15.1 s, 2 B-trees 5.2 s.
 * Index names are unqualified: `attrib replay` migrates a schema of its own.
 */
export class EdgeIndexesTheApiUses1795660000000 {
  name = 'EdgeIndexesTheApiUses1795660000000'

  async up(db) {
    await db.query("DROP INDEX \"IDX_794b1d368f6473c34e7a980a9b\"")
    await db.query("DROP INDEX \"IDX_7cfec0a0417d15b7414ee3094c\"")
    await db.query("DROP INDEX \"IDX_ad67f5f5796a4391a2a0faafc9\"")
  }

  async down(db) {
    await db.query("CREATE INDEX \"IDX_ad67f5f5796a4391a2a0faafc9\" ON \"attribution_edge\" (\"epoch\", \"contributor_id\") ")
    await db.query("CREATE INDEX \"IDX_7cfec0a0417d15b7414ee3094c\" ON \"attribution_edge\" (\"datanet_id\") ")
    await db.query("CREATE INDEX \"IDX_794b1d368f6473c34e7a980a9b\" ON \"attribution_edge\" (\"contributor_id\") ")
  }
}
