export class Attribution1795616983740 {
  name = 'Attribution1795616983740'

  async up(db) {
    await db.query("CREATE TABLE \"contribution\" (\"id\" character varying NOT NULL, \"content_hash\" text NOT NULL, \"stake\" numeric(78,0) NOT NULL, \"status\" character varying(8) NOT NULL, \"submitted_at_block\" integer NOT NULL, \"submitted_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"tx_hash\" text NOT NULL, \"datanet_id\" character varying, \"contributor_id\" character varying, CONSTRAINT \"PK_878330fa5bb34475732a5883d58\" PRIMARY KEY (\"id\"))")
    await db.query("CREATE INDEX \"IDX_1a2ccaded5af244bdd4aa1da3e\" ON \"contribution\" (\"datanet_id\") ")
    await db.query("CREATE INDEX \"IDX_2dbb170adc1fcfdd1061e5efe5\" ON \"contribution\" (\"contributor_id\") ")
    await db.query("CREATE INDEX \"IDX_cad46357aeb0bb6bb66c5aba23\" ON \"contribution\" (\"submitted_at_block\") ")
    await db.query("CREATE TABLE \"datanet\" (\"id\" character varying NOT NULL, \"metadata_uri\" text NOT NULL, \"created_at_block\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"tx_hash\" text NOT NULL, \"owner_id\" character varying, CONSTRAINT \"PK_cd6071572260673b540f19098dc\" PRIMARY KEY (\"id\"))")
    await db.query("CREATE INDEX \"IDX_d4d9555761a9247335bd94bab7\" ON \"datanet\" (\"owner_id\") ")
    await db.query("CREATE INDEX \"IDX_e280773c98886d2a3c3b8baf65\" ON \"datanet\" (\"created_at_block\") ")
    await db.query("CREATE TABLE \"contributor\" (\"id\" character varying NOT NULL, \"first_seen_block\" integer NOT NULL, CONSTRAINT \"PK_816afef005b8100becacdeb6e58\" PRIMARY KEY (\"id\"))")
    await db.query("ALTER TABLE \"contribution\" ADD CONSTRAINT \"FK_1a2ccaded5af244bdd4aa1da3e1\" FOREIGN KEY (\"datanet_id\") REFERENCES \"datanet\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"contribution\" ADD CONSTRAINT \"FK_2dbb170adc1fcfdd1061e5efe57\" FOREIGN KEY (\"contributor_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
    await db.query("ALTER TABLE \"datanet\" ADD CONSTRAINT \"FK_d4d9555761a9247335bd94bab76\" FOREIGN KEY (\"owner_id\") REFERENCES \"contributor\"(\"id\") ON DELETE NO ACTION ON UPDATE NO ACTION")
  }

  async down(db) {
    await db.query("ALTER TABLE \"datanet\" DROP CONSTRAINT \"FK_d4d9555761a9247335bd94bab76\"")
    await db.query("ALTER TABLE \"contribution\" DROP CONSTRAINT \"FK_2dbb170adc1fcfdd1061e5efe57\"")
    await db.query("ALTER TABLE \"contribution\" DROP CONSTRAINT \"FK_1a2ccaded5af244bdd4aa1da3e1\"")
    await db.query("DROP TABLE \"contributor\"")
    await db.query("DROP INDEX \"public\".\"IDX_e280773c98886d2a3c3b8baf65\"")
    await db.query("DROP INDEX \"public\".\"IDX_d4d9555761a9247335bd94bab7\"")
    await db.query("DROP TABLE \"datanet\"")
    await db.query("DROP INDEX \"public\".\"IDX_cad46357aeb0bb6bb66c5aba23\"")
    await db.query("DROP INDEX \"public\".\"IDX_2dbb170adc1fcfdd1061e5efe5\"")
    await db.query("DROP INDEX \"public\".\"IDX_1a2ccaded5af244bdd4aa1da3e\"")
    await db.query("DROP TABLE \"contribution\"")
  }
}
