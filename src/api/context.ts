import type { DataSource } from 'typeorm'
import { createLoaders, type Loaders } from './loaders.js'
import { createSql, type Sql } from './sql.js'

/** Per-operation state: the statement-counting SQL runner and the dataloaders that batch over it. */
export interface ApiContext {
  sql: Sql
  /** Replaced before each subscription event, so an event never sees rows cached for an earlier one. */
  loaders: Loaders
}

export function createContext(db: DataSource): ApiContext {
  const sql = createSql(db)
  return { sql, loaders: createLoaders(sql) }
}
