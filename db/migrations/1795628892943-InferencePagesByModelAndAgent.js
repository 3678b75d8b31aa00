/**
 * A model's or an agent's inferences newest first (the inferences connection filtered by model or agent,
 * Model.inferences, Agent.inferences, lineage downstream): each composite replaces the single-column index
 * of its foreign key, so a page is an index range scan however the model's or agent's calls spread over time.
 * Index names are unqualified: `attrib replay` migrates a schema of its own.
 */
export class InferencePagesByModelAndAgent1795628892943 {
  name = 'InferencePagesByModelAndAgent1795628892943'

  async up(db) {
    await db.query("DROP INDEX \"IDX_b13bb0ac1338578cb6dfa9aafe\"")
    await db.query("DROP INDEX \"IDX_27f69c4bbb03864a6a54f9586a\"")
    await db.query("CREATE INDEX \"IDX_fc81cf0b127481862efb5926ab\" ON \"inference\" (\"agent_id\", \"block_number\") ")
    await db.query("CREATE INDEX \"IDX_f60b2dc46cf6323a3e4e04e444\" ON \"inference\" (\"model_id\", \"block_number\") ")
  }

  async down(db) {
    await db.query("DROP INDEX \"IDX_f60b2dc46cf6323a3e4e04e444\"")
    await db.query("DROP INDEX \"IDX_fc81cf0b127481862efb5926ab\"")
    await db.query("CREATE INDEX \"IDX_27f69c4bbb03864a6a54f9586a\" ON \"inference\" (\"agent_id\") ")
    await db.query("CREATE INDEX \"IDX_b13bb0ac1338578cb6dfa9aafe\" ON \"inference\" (\"model_id\") ")
  }
}
