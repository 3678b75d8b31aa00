/**
 * usage_record loses its `joined` column: a record is joined when its inference carries the record's details
 * (usage_at, set by the join and by nothing else), which the API reads off the inference's row
 * (src/api/entities/settlement.ts). Marking the record as well was an UPDATE of every usage record: at 1M
 * inferences 12% of the projector's PostgreSQL time, each a new row version and a new entry in the record's
 * key B-tree, since COPY leaves no room on the page for a HOT update. A fork that undoes a join now has only the
 * inference and the edges to restore.
 */
export class UsageJoinedFromInference1795710000000 {
  name = 'UsageJoinedFromInference1795710000000'

  async up(db) {
    await db.query('ALTER TABLE "usage_record" DROP COLUMN "joined"')
  }

  async down(db) {
    await db.query('ALTER TABLE "usage_record" ADD "joined" boolean NOT NULL DEFAULT false')
    await db.query(`UPDATE "usage_record" u SET "joined" = true FROM "inference" i WHERE i.id = u.id AND i.usage_at IS NOT NULL`)
    await db.query('ALTER TABLE "usage_record" ALTER COLUMN "joined" DROP DEFAULT')
  }
}
