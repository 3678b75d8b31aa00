/**
 * An epoch's reconciliation sums every edge of the epoch (src/api/reconciliation.ts): at 1M inferences that is
 * 1.6M of the table's 8M rows. Edges are appended in chain order, so an epoch's rows lie in one stretch of the
 * heap, and a BRIN index on `epoch` (the smallest and largest epoch of every 32 pages) lets the sum read only
 * that stretch. Measured on a 1M-inference projection: summing one epoch through its inferences (the inference_id
 * B-tree) 2.2 s, through this index 0.64 s; the index is 208 kB, and a BRIN costs an insert next to nothing (it
 * is summarised by autovacuum, not per row), unlike the (epoch, contributor_id) B-tree that went in 1795660000000.
 */
export class EdgeEpochRanges1795670000000 {
  name = 'EdgeEpochRanges1795670000000'

  async up(db) {
    await db.query('CREATE INDEX "attribution_edge_epoch_ranges" ON "attribution_edge" USING brin ("epoch") WITH (pages_per_range = 32)')
  }

  async down(db) {
    await db.query('DROP INDEX "attribution_edge_epoch_ranges"')
  }
}
