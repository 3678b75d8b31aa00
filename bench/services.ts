import { randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'

/** A fresh database on the server of `adminUrl`, for one projection run; dropped by `drop()`. */
export async function createDatabase(adminUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `attrib_bench_${label}_${randomBytes(4).toString('hex')}`
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  }
}

export async function postgresVersion(url: string): Promise<string> {
  return withClient(url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string)
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Removes the bench's topics (a million-inference backlog is over a gigabyte on the broker's disk). */
export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = kafkaAdmin(brokers)
  await admin.connect()
  try {
    await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
}

function kafkaAdmin(brokers: string[]) {
  return new Kafka({ clientId: 'attrib-bench', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000, retry: { retries: 1 } }).admin()
}
