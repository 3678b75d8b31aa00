import { createHash } from 'node:crypto'
import pg from 'pg'
import { GraphQLError } from './graphql.js'
import { instantFromPostgres } from './scalars.js'

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

export interface QueryOptions {
  /**
   * A statement whose text is fixed (a lookup by id, a ranking, the lineage walk): always prepared. Texts
   * assembled from filters and orderings are prepared too while there is room (ASSEMBLED_PREPARED_MAX).
   */
  prepare?: boolean
}

/** The API's only way to the database: counts statements so N+1 regressions show up in the metrics. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]>
  /** Statements run through this runner so far. */
  readonly statements: number
}

/** The API's own connections: a pg.Pool, independent of the typeorm data sources the writers use. */
export interface ApiDatabase {
  pool: pg.Pool
  /** Whether fixed-text statements are prepared (off where the server shares one session between connections). */
  prepare: boolean
  statementTimeoutMs: number
}

export interface ApiPoolOptions {
  /** Connections the API holds at most (per process). */
  poolSize: number
  /** A statement running longer is cancelled by PostgreSQL and the operation answers STATEMENT_TIMEOUT. */
  statementTimeoutMs: number
  preparedStatements: boolean
}

export function createApiDatabase(connection: pg.ClientConfig, options: ApiPoolOptions): ApiDatabase {
  const pool = new pg.Pool({
    ...connection,
    max: options.poolSize,
    // Sent as a startup parameter: every connection of the pool has it from its first statement on.
    statement_timeout: options.statementTimeoutMs,
    // No JIT: the API's statements run in milliseconds, but the planner prices some (the lineage walk, whose
    // every branch it costs as if it ran) above jit_above_cost, and compiling them took 1.6 s of a 1.66 s
    // lineage query at 1M inferences. Index pages cost nearly what sequential ones do (random_page_cost 1.1
    // instead of 4, the usual setting where the working set is cached): at 4, a model's newest inferences were
    // read through the block_number index, filtering 2,000 rows for 101 (1.2 ms), instead of the
    // (model_id, block_number) index (0.3 ms).
    // Sessions in UTC, so timestamps arrive in the one text form instantFromPostgres turns into the answer.
    options: '-c jit=off -c random_page_cost=1.1 -c TimeZone=UTC',
    application_name: 'attrib-api',
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  })
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  return { pool, prepare: options.preparedStatements, statementTimeoutMs: options.statementTimeoutMs }
}

/** The pg driver's parsers, but timestamptz values go straight to the DateTime scalar's strings. */
function typeParser(oid: number, format?: 'text' | 'binary') {
  return oid === pg.types.builtins.TIMESTAMPTZ && format !== 'binary' ? parseInstant : pg.types.getTypeParser(oid, format)
}

const driverInstantParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')
const parseInstant = (text: string) => instantFromPostgres(text, driverInstantParser)

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014'
/** SQLSTATE class 22, data exception: a bound value PostgreSQL cannot take (a NUL in text, a number out of range). */
const DATA_EXCEPTION = /^22/

/**
 * A prepared statement is parsed and planned once per pooled connection, then only bound and executed: for the
 * API's short statements planning is most of PostgreSQL's work (a lookup with its page of children: 1.6 ms to
 * plan, 0.6 ms to run). Each one stays in every session that ran it, and assembled texts (filters, orderings,
 * cursors) vary without bound, so only the first ASSEMBLED_PREPARED_MAX of them are prepared; later ones are
 * planned each time, as all were before.
 */
const ASSEMBLED_PREPARED_MAX = 256
const statementNames = new Map<string, string>()
let assembledPrepared = 0

/** A prepared statement's name (a digest of its text, so equal texts share one per connection), or none. */
function statementName(text: string, fixed: boolean): string | undefined {
  let name = statementNames.get(text)
  if (!name) {
    if (!fixed && assembledPrepared >= ASSEMBLED_PREPARED_MAX) return undefined
    if (!fixed) assembledPrepared++
    statementNames.set(text, (name = `api_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`))
  }
  return name
}

export function createSql(db: ApiDatabase, onStatement?: () => void): Sql {
  let statements = 0
  return {
    async query<T>(text: string, params: unknown[] = [], options: QueryOptions = {}) {
      statements++
      onStatement?.()
      const name = db.prepare ? statementName(text, options.prepare ?? false) : undefined
      const config: pg.QueryConfig = name ? { name, text, values: params } : { text, values: params }
      try {
        return (await db.pool.query(config)).rows as T[]
      } catch (err) {
        if ((err as { code?: string }).code === QUERY_CANCELED) {
          throw new GraphQLError(
            `A statement ran longer than the statement timeout of ${db.statementTimeoutMs} ms and was cancelled: ask for less (smaller pages, fewer nested lists, a narrower scope)`,
            { extensions: { code: 'STATEMENT_TIMEOUT', statementTimeoutMs: db.statementTimeoutMs } },
          )
        }
        if (DATA_EXCEPTION.test((err as { code?: string }).code ?? '')) {
          throw new GraphQLError(`A value of the query cannot be used: ${(err as Error).message}`, { extensions: { code: 'BAD_USER_INPUT' } })
        }
        throw err
      }
    },
    get statements() {
      return statements
    },
  }
}
