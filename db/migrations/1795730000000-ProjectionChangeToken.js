/**
 * One row naming the last projector batch that committed: each writes its own transaction id here
 * (pg_current_xact_id, unique for the life of the cluster). A batch planned ahead from a snapshot
 * (src/project/plan-ahead.ts) is written as planned only if the row still names the batch its plan accounted
 * for; another batch committed meanwhile makes it plan again. Epoch closes do not write it: of what they change,
 * a plan reads only whether an epoch is closed, and that is checked again in the batch's transaction.
 */
export class ProjectionChangeToken1795730000000 {
  name = 'ProjectionChangeToken1795730000000'

  async up(db) {
    await db.query(`CREATE TABLE "projection_change" (
      "singleton" boolean PRIMARY KEY DEFAULT true CHECK ("singleton"),
      "xact" bigint NOT NULL
    )`)
    await db.query(`INSERT INTO "projection_change" ("xact") VALUES (0)`)
  }

  async down(db) {
    await db.query(`DROP TABLE "projection_change"`)
  }
}
