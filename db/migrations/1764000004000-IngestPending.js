/**
 * The hot blocks a chain ingester is publishing right now: written before the publication, cleared with the
 * cursor after it. An ingester that finds blocks here crashed in between; it orphans them first, so a block
 * forked away while it was down leaves nothing behind (one still canonical is simply delivered again).
 */
export class IngestPending1764000004000 {
  name = 'IngestPending1764000004000'

  async up(db) {
    await db.query(`ALTER TABLE "ingest_cursor" ADD COLUMN "pending" jsonb NOT NULL DEFAULT '[]'`)
  }

  async down(db) {
    await db.query(`ALTER TABLE "ingest_cursor" DROP COLUMN "pending"`)
  }
}
