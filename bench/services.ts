import { Kafka, logLevel } from 'kafkajs'
import { withClient } from '../test/support/database.js'

export async function postgresVersion(url: string): Promise<string> {
  return withClient(url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string)
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
