import type { DataSource } from 'typeorm'

export interface SchemaChange {
  query: string
}

/**
 * What the database lacks to match the entities generated from schema.graphql, as typeorm would migrate it.
 * The entities say `numeric` (squid's BigInt column) where the tables say numeric(78,0): not a change.
 */
export async function pendingSchemaChanges(ds: DataSource): Promise<{ up: SchemaChange[]; down: SchemaChange[] }> {
  const log = await ds.driver.createSchemaBuilder().log()
  const widening = (q: SchemaChange) => /ALTER COLUMN "[^"]+" TYPE numeric(\(78,0\))?$/.test(q.query)
  return { up: log.upQueries.filter((q) => !widening(q)), down: log.downQueries.filter((q) => !widening(q)) }
}
