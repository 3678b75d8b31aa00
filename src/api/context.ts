import { createLoaders, type Loaders } from './loaders.js'
import { createSql, type ApiDatabase, type Sql } from './sql.js'

/** Per-operation state: the statement-counting SQL runner and the dataloaders that batch over it. */
export interface ApiContext {
  sql: Sql
  /** Replaced before each subscription event, so an event never sees rows cached for an earlier one. */
  loaders: Loaders
}

export function createContext(db: ApiDatabase): ApiContext {
  const sql = createSql(db)
  return { sql, loaders: createLoaders(sql) }
}
