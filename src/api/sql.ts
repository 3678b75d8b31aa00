import type { DataSource } from 'typeorm'

/** Postgres types the API casts its parameters to; every user value travels as a bound parameter. */
export type SqlType = 'text' | 'int' | 'numeric' | 'timestamptz' | 'bool'

/** Collects bound parameters while a statement is assembled: `add` returns the placeholder, cast to `type`. */
export class SqlParams {
  readonly values: unknown[] = []

  add(value: unknown, type: SqlType | `${SqlType}[]`): string {
    this.values.push(value)
    return `$${this.values.length}::${type}`
  }
}

/** The API's only way to the database: counts statements so N+1 regressions show up in the metrics. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** Statements run through this runner so far. */
  readonly statements: number
}

export function createSql(db: DataSource, onStatement?: () => void): Sql {
  let statements = 0
  return {
    query(text, params = []) {
      statements++
      onStatement?.()
      return db.query(text, params)
    },
    get statements() {
      return statements
    },
  }
}
