/**
 * A usage record's claim (its envelope, kept until the log acknowledges it) moves to a table of its own,
 * usage_claim, which holds only the claims in flight; usage_record_seen keeps each record's digest for
 * deduplication and is written once per record. Before, the acknowledgement updated the record's
 * usage_record_seen row (published_at set, envelope cleared), and the partial index on unpublished rows made every
 * such update a new tuple with a new primary-key entry, in a table that grows by every record ever accepted.
 * Deleting the claim from a table of the few claims in flight costs next to nothing.
 */
export class UsageClaimsApart1795720000000 {
  name = 'UsageClaimsApart1795720000000'

  async up(db) {
    await db.query(`CREATE TABLE "usage_claim" (
      "inference_id" text PRIMARY KEY,
      "envelope" text NOT NULL,
      "claimed_at" timestamptz NOT NULL DEFAULT now()
    )`)
    await db.query(`CREATE INDEX "usage_claim_claimed_at" ON "usage_claim" ("claimed_at")`)
    await db.query(`INSERT INTO "usage_claim" ("inference_id", "envelope", "claimed_at")
      SELECT "inference_id", "envelope", "claimed_at" FROM "usage_record_seen" WHERE "published_at" IS NULL AND "envelope" IS NOT NULL`)
    await db.query(`DROP INDEX "usage_record_seen_unpublished"`)
    await db.query(`ALTER TABLE "usage_record_seen" DROP COLUMN "envelope", DROP COLUMN "published_at"`)
  }

  async down(db) {
    await db.query(`ALTER TABLE "usage_record_seen" ADD COLUMN "envelope" text, ADD COLUMN "published_at" timestamptz`)
    await db.query(`UPDATE "usage_record_seen" s SET "published_at" = s."claimed_at"
      WHERE NOT EXISTS (SELECT 1 FROM "usage_claim" c WHERE c."inference_id" = s."inference_id")`)
    await db.query(`UPDATE "usage_record_seen" s SET "envelope" = c."envelope" FROM "usage_claim" c WHERE c."inference_id" = s."inference_id"`)
    await db.query(`CREATE INDEX "usage_record_seen_unpublished" ON "usage_record_seen" ("claimed_at") WHERE "published_at" IS NULL`)
    await db.query(`DROP TABLE "usage_claim"`)
  }
}
