import type { TestProject } from 'vitest/node'
import pg from 'pg'
import { ensureAnvil } from '../services/anvil.js'
import { ensureKafka } from '../services/kafka.js'
import { freePort } from './net.js'

export const DEFAULT_DB_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * Starts Apache Kafka and anvil when they are not already reachable (KAFKA_BROKERS, RPC_ENDPOINT), checks
 * PostgreSQL at DB_URL, hands their addresses to the tests, and stops what it started. Without RPC_ENDPOINT the
 * run starts an anvil of its own on a free port, never one on 8545 that `npm start` or another run may own and stop.
 */
export default async function setup(project: TestProject) {
  const dbUrl = process.env.DB_URL ?? DEFAULT_DB_URL
  await checkPostgres(dbUrl)
  const rpcEndpoint = process.env.RPC_ENDPOINT ?? `http://127.0.0.1:${await freePort()}`
  const [kafka, anvil] = await Promise.all([ensureKafka(), ensureAnvil({ url: rpcEndpoint })])
  console.log(
    `services: kafka ${kafka.url} (${kafka.startedHere ? 'started' : 'running'}), ` +
      `anvil ${anvil.url} (${anvil.startedHere ? 'started' : 'running'}), postgres ${dbUrl}`,
  )
  process.env.KAFKA_BROKERS = kafka.url
  process.env.RPC_ENDPOINT = anvil.url
  process.env.DB_URL = dbUrl
  project.provide('services', { kafkaBrokers: kafka.url, rpcEndpoint: anvil.url, dbUrl })
  return async () => {
    await Promise.all([kafka.stop(), anvil.stop()])
  }
}

async function checkPostgres(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at DB_URL=${url} (${(err as Error).message}). ` +
        'Start it (e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DB_URL.',
    )
  } finally {
    await client.end().catch(() => {})
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: { kafkaBrokers: string; rpcEndpoint: string; dbUrl: string }
  }
}
