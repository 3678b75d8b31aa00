/**
 * A usage record's attribution is judged by its contributions' status as of the settlement's block with every
 * event of that block applied (docs/money.md). The projector therefore joins a record to its settlement
 * only once the block is complete: once it has applied an event of a later block, or the block is final.
 *
 * - chain_progress.complete_height: every event of every block up to here has been applied (per chain);
 * - deferred_join: settlements whose usage record is in but whose block was not complete yet when either side
 *   arrived (a batch that ends inside a block, a record arriving between the block's events). Joined, and
 *   removed, once complete_height reaches their block. Not undo-tracked: a row whose settlement a fork removed
 *   is simply skipped when its turn comes.
 */
export class JoinsAtCompleteBlocks1795650000000 {
  name = 'JoinsAtCompleteBlocks1795650000000'

  async up(db) {
    await db.query(`CREATE TABLE "chain_progress" (
      "chain_id" integer PRIMARY KEY,
      "complete_height" integer NOT NULL
    )`)
    await db.query(`CREATE TABLE "deferred_join" (
      "inference_id" text PRIMARY KEY,
      "block_number" integer NOT NULL
    )`)
    await db.query(`CREATE INDEX "deferred_join_block" ON "deferred_join" ("block_number")`)
  }

  async down(db) {
    await db.query(`DROP TABLE "deferred_join"`)
    await db.query(`DROP TABLE "chain_progress"`)
  }
}
