/**
 * The tables the attribution path writes several rows per inference into keep no foreign keys (see
 * scripts/derived-without-foreign-keys.mjs): each one cost a lookup per inserted row.
 */
export class BulkTablesWithoutForeignKeys1795628504426 {
  name = 'BulkTablesWithoutForeignKeys1795628504426'

  async up(db) {
    await db.query("ALTER TABLE \"attribution_edge\" DROP CONSTRAINT \"FK_5074cbdd4bdb1153a82f2691ff7\"")
    await db.query("ALTER TABLE \"attribution_edge\" DROP CONSTRAINT \"FK_f0a09d96470d431cce4255a9e05\"")
    await db.query("ALTER TABLE \"attribution_edge\" DROP CONSTRAINT \"FK_794b1d368f6473c34e7a980a9bb\"")
    await db.query("ALTER TABLE \"attribution_edge\" DROP CONSTRAINT \"FK_7cfec0a0417d15b7414ee3094c5\"")
    await db.query("ALTER TABLE \"inference\" DROP CONSTRAINT \"FK_b13bb0ac1338578cb6dfa9aafe2\"")
    await db.query("ALTER TABLE \"inference\" DROP CONSTRAINT \"FK_b7f7a1626ac44f9651b07773a96\"")
    await db.query("ALTER TABLE \"inference\" DROP CONSTRAINT \"FK_27f69c4bbb03864a6a54f9586a0\"")
    await db.query("ALTER TABLE \"epoch_payout\" DROP CONSTRAINT \"FK_a0032adc8d5ad475adb4bfbb1bf\"")
    await db.query("ALTER TABLE \"epoch_payout\" DROP CONSTRAINT \"FK_9e3c5ca757c95f0bcf2708da584\"")
    await db.query("ALTER TABLE \"contributor_epoch_stat\" DROP CONSTRAINT \"FK_7caf89ea1df5e8bce2122e7a70e\"")
    await db.query("ALTER TABLE \"datanet_epoch_stat\" DROP CONSTRAINT \"FK_5e1d8b42d74c0ef2f70a6cd09c5\"")
    await db.query("ALTER TABLE \"model_epoch_stat\" DROP CONSTRAINT \"FK_51531182af0bce1c6438e646647\"")
    await db.query("ALTER TABLE \"agent_epoch_stat\" DROP CONSTRAINT \"FK_5f97e73df262426a418ffae6d7a\"")
  }

  async down(db) {
    await db.query("ALTER TABLE \"agent_epoch_stat\" ADD CONSTRAINT \"FK_5f97e73df262426a418ffae6d7a\" FOREIGN KEY (\"agent_id\") REFERENCES \"agent\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"model_epoch_stat\" ADD CONSTRAINT \"FK_51531182af0bce1c6438e646647\" FOREIGN KEY (\"model_id\") REFERENCES \"model\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"datanet_epoch_stat\" ADD CONSTRAINT \"FK_5e1d8b42d74c0ef2f70a6cd09c5\" FOREIGN KEY (\"datanet_id\") REFERENCES \"datanet\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"contributor_epoch_stat\" ADD CONSTRAINT \"FK_7caf89ea1df5e8bce2122e7a70e\" FOREIGN KEY (\"contributor_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"epoch_payout\" ADD CONSTRAINT \"FK_9e3c5ca757c95f0bcf2708da584\" FOREIGN KEY (\"account_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"epoch_payout\" ADD CONSTRAINT \"FK_a0032adc8d5ad475adb4bfbb1bf\" FOREIGN KEY (\"epoch_id\") REFERENCES \"epoch\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"inference\" ADD CONSTRAINT \"FK_27f69c4bbb03864a6a54f9586a0\" FOREIGN KEY (\"agent_id\") REFERENCES \"agent\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"inference\" ADD CONSTRAINT \"FK_b7f7a1626ac44f9651b07773a96\" FOREIGN KEY (\"model_owner_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"inference\" ADD CONSTRAINT \"FK_b13bb0ac1338578cb6dfa9aafe2\" FOREIGN KEY (\"model_id\") REFERENCES \"model\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"attribution_edge\" ADD CONSTRAINT \"FK_7cfec0a0417d15b7414ee3094c5\" FOREIGN KEY (\"datanet_id\") REFERENCES \"datanet\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"attribution_edge\" ADD CONSTRAINT \"FK_794b1d368f6473c34e7a980a9bb\" FOREIGN KEY (\"contributor_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"attribution_edge\" ADD CONSTRAINT \"FK_f0a09d96470d431cce4255a9e05\" FOREIGN KEY (\"contribution_id\") REFERENCES \"contribution\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"attribution_edge\" ADD CONSTRAINT \"FK_5074cbdd4bdb1153a82f2691ff7\" FOREIGN KEY (\"inference_id\") REFERENCES \"inference\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
  }
}
