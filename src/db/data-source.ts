import { SnakeNamingStrategy } from './naming-strategy.js'
import path from 'node:path'
import { DataSource } from 'typeorm'
import * as model from '../model/index.js'
import { repoRoot } from '../repo-root.js'
import { ensureUndoTriggers } from './undo.js'

const MIGRATIONS_LOCK = 0x61747472 // pg_advisory_lock key ("attr"): one migrator at a time across processes

export interface DatabaseOptions {
  poolSize?: number
  /** A schema other than `public` (a replay builds the projection in its own schema before switching). */
  schema?: string
}

/** A typeorm data source over the projection schema, with squid's snake_case naming. */
export function createDataSource(url: string, options: DatabaseOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema: options.schema,
    entities: Object.values(model).filter((v) => typeof v === 'function'),
    namingStrategy: new SnakeNamingStrategy(),
    migrations: [path.join(repoRoot, 'db/migrations/*.js')],
    migrationsTableName: 'migrations',
    // Two connections at least: openDatabase holds one for the migration lock while migrating on another.
    extra: {
      max: Math.max(2, options.poolSize ?? 5),
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    },
  })
}

/** Initializes the data source and applies pending migrations from db/migrations, serialised by a lock. */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<DataSource> {
  const ds = createDataSource(url, options)
  await ds.initialize()
  const runner = ds.createQueryRunner()
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK])
    await ds.runMigrations({ transaction: 'all' })
    await ensureUndoTriggers(ds)
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK]).catch(() => {})
    await runner.release()
  }
  return ds
}
