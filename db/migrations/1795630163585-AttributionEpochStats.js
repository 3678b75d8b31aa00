/** Earnings by epoch, model, datanet and contributor, for the API's narrow rankings (schema.graphql). */
export class AttributionEpochStats1795630163585 {
  name = 'AttributionEpochStats1795630163585'

  async up(db) {
    await db.query("CREATE TABLE \"attribution_epoch_stat\" (\"id\" character varying NOT NULL, \"epoch\" integer NOT NULL, \"amount\" numeric(78,0) NOT NULL, \"attributions\" integer NOT NULL, \"model_id\" character varying, \"datanet_id\" character varying, \"contributor_id\" character varying, CONSTRAINT \"PK_2eb0bfa9352b0d37cacfe4e16df\" PRIMARY KEY (\"id\"))")
    await db.query("CREATE INDEX \"IDX_9bc2d5541938c7781b0811f6b4\" ON \"attribution_epoch_stat\" (\"contributor_id\", \"epoch\") ")
    await db.query("CREATE INDEX \"IDX_15cf9a3fcda920482e804fc9b2\" ON \"attribution_epoch_stat\" (\"datanet_id\", \"epoch\") ")
    await db.query("CREATE INDEX \"IDX_f6071503e906a7195baa66773b\" ON \"attribution_epoch_stat\" (\"model_id\", \"epoch\") ")
  }

  async down(db) {
    await db.query("DROP INDEX \"IDX_f6071503e906a7195baa66773b\"")
    await db.query("DROP INDEX \"IDX_15cf9a3fcda920482e804fc9b2\"")
    await db.query("DROP INDEX \"IDX_9bc2d5541938c7781b0811f6b4\"")
    await db.query("DROP TABLE \"attribution_epoch_stat\"")
  }
}
