/**
 * attribution_edge loses its inference_id B-tree: an inference's edges are found as one range of the primary
 * key, `<inference id>-<contribution id>`, which is compared byte by byte from now on (COLLATE "C"), so the range
 * from 'X-' to 'X.' holds exactly inference X's edges whatever the database's collation
 * (src/api/entities/settlement.ts, edgesOfInference). The table keeps two B-trees, its key and contribution_id.
 * At 1M inferences the edge COPY was half of the projector's PostgreSQL time, most of it in the two B-trees of
 * random 66-byte keys (the key and inference_id) that outgrow shared buffers as the table grows to 8M rows.
 * Index names are unqualified: `attrib replay` migrates a schema of its own.
 */
export class EdgeKeyInByteOrder1795690000000 {
  name = 'EdgeKeyInByteOrder1795690000000'

  async up(db) {
    await db.query('DROP INDEX "IDX_5074cbdd4bdb1153a82f2691ff"')
    await db.query('ALTER TABLE "attribution_edge" ALTER COLUMN "id" TYPE character varying COLLATE "C"')
  }

  async down(db) {
    await db.query('ALTER TABLE "attribution_edge" ALTER COLUMN "id" TYPE character varying COLLATE "default"')
    await db.query('CREATE INDEX "IDX_5074cbdd4bdb1153a82f2691ff" ON "attribution_edge" ("inference_id") ')
  }
}
