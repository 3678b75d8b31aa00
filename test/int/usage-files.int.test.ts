// The file source on real Kafka and PostgreSQL: a watched folder of NDJSON files is read once, across
// restarts, files that grow (a line half-written waits for its end) and a cursor lost in a crash (the lines
// read again are recognised as duplicates): every record reaches the usage topic exactly once.
import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createKafkaLog } from '../../src/log/kafka-log.js'
import type { Log } from '../../src/log/log.js'
import type { UsageRecord } from '../../src/domain/usage-record.js'
import { usageMetrics } from '../../src/ingest/usage/metrics.js'
import {
  deadLetters,
  logger,
  namespace,
  readTopic,
  registerModel,
  registerNode,
  startUsageHarness,
  usageEnvelopes,
  type TopicReader,
} from '../fixtures/usage/harness.js'
import { nodes, sign, unsigned } from '../fixtures/usage/records.js'
import { createTestDatabase } from '../support/database.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const ns = namespace('usage-files')
const FILE_ENV = { USAGE_DIR_POLL_MS: '100', USAGE_FILE_SETTLE_MS: '3000' }

let dir: string
let database: Awaited<ReturnType<typeof createTestDatabase>>
let readerLog: Log
let usage: TopicReader
let letters: TopicReader

const start = () => startUsageHarness({ ...services, database, topicNamespace: ns, env: { ...FILE_ENV, USAGE_DIR: dir } })
const lines = (records: UsageRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('')
const signMany = (count: number) => Promise.all(Array.from({ length: count }, () => sign(unsigned())))

/** How often each inference id is on the usage topic. */
function publications(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const e of usageEnvelopes(usage)) counts.set(e.id, (counts.get(e.id) ?? 0) + 1)
  return counts
}

function allPublished(records: UsageRecord[], what: string) {
  return eventually(async () => (records.every((r) => publications().has(r.inferenceId)) ? true : undefined), 30_000, what)
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'attrib-usage-files-'))
  database = await createTestDatabase(services.dbUrl)
  readerLog = createKafkaLog({ brokers: services.kafkaBrokers.split(','), clientId: `${ns}-reader`, logger })
})

afterAll(async () => {
  await usage?.close()
  await letters?.close()
  await readerLog?.close()
  await database?.drop()
  await rm(dir, { recursive: true, force: true })
})

describe('usage files', () => {
  it('reads every record once across restarts, growing files, a lost cursor and a replaced file', async () => {
    const first = await start()
    await registerNode(first.db, nodes.registered.address, new Date(Date.now() - 86_400_000))
    await registerModel(first.db, '1')
    ;[usage, letters] = await Promise.all([readTopic(readerLog, first.topics.usage), readTopic(readerLog, first.topics.deadLetter)])

    // A batch file with one bad line, and a file a node is still writing: its last line is half there.
    const batchA = await signMany(40)
    const growing = await signMany(3)
    await writeFile(path.join(dir, 'node-a.ndjson'), `${lines(batchA.slice(0, 20))}{"not":"a record"}\n${lines(batchA.slice(20))}`)
    const growingLine = JSON.stringify(growing[2])
    await writeFile(path.join(dir, 'node-b.jsonl'), `${lines(growing.slice(0, 2))}${growingLine.slice(0, 50)}`)
    await allPublished([...batchA, ...growing.slice(0, 2)], 'the first files')
    const bad = await eventually(async () => deadLetters(letters).find((l) => l.original.toString() === '{"not":"a record"}'), 20_000, 'the bad line')
    expect(bad).toMatchObject({ reason: 'missing-field' })
    expect(bad.detail).toMatch(/^node-a\.ndjson line 21: /)
    expect(letters.records.find((r) => r.value?.toString() === '{"not":"a record"}')?.headers['dl-source']).toBe('file')

    // The half-written line is neither published nor refused while the file may still grow: a file written
    // after it is read, so the folder has been read since.
    const afterHalfLine = await signMany(2)
    await writeFile(path.join(dir, 'node-d.ndjson'), lines(afterHalfLine))
    await allPublished(afterHalfLine, 'a file written after the half line')
    expect(publications().has(growing[2].inferenceId)).toBe(false)
    expect(deadLetters(letters).filter((l) => l.detail.startsWith('node-b.jsonl'))).toEqual([])
    await appendFile(path.join(dir, 'node-b.jsonl'), `${growingLine.slice(50)}\n`)
    await allPublished(growing, 'the completed line')

    // Stopped: lines written meanwhile are read after the restart, and only they.
    await first.close()
    const whileStopped = await signMany(10)
    await appendFile(path.join(dir, 'node-a.ndjson'), lines(whileStopped))
    // A crash after publishing but before the cursor was saved: the cursor of node-a is lost.
    await first.db.initialize()
    await first.db.query("DELETE FROM usage_file_cursor WHERE path LIKE '%node-a.ndjson'")
    await first.db.destroy()
    const second = await start()
    try {
      await allPublished(whileStopped, 'the lines written while stopped')

      // A file replaced under the same name (a new inode) is read from its start.
      const replacement = await signMany(5)
      const tmp = path.join(dir, 'node-b.tmp')
      await writeFile(tmp, lines(replacement))
      await rename(tmp, path.join(dir, 'node-b.jsonl'))
      // The last line of a finished file, without a newline, is read once the file has settled.
      const lastLine = await sign(unsigned())
      await writeFile(path.join(dir, 'node-c.ndjson'), JSON.stringify(lastLine))
      await allPublished([...replacement, lastLine], 'the replaced file and the unterminated last line')

      const all = [...batchA, ...growing, ...afterHalfLine, ...whileStopped, ...replacement, lastLine]
      const counts = publications()
      expect(all.filter((r) => counts.get(r.inferenceId) !== 1).map((r) => [r.inferenceId, counts.get(r.inferenceId)])).toEqual([])
      expect(usageEnvelopes(usage).length).toBe(all.length)
      const cursors: { path: string; byte_offset: string }[] = await second.db.query('SELECT path, byte_offset FROM usage_file_cursor ORDER BY path')
      for (const cursor of cursors) expect(Number(cursor.byte_offset)).toBe((await stat(cursor.path)).size)
      // node-a was read again from its start, its records recognised as duplicates; its bad line, read twice,
      // is still one dead letter key.
      const duplicates = (await usageMetrics.records.get()).values.find((v) => v.labels.source === 'file' && v.labels.outcome === 'duplicate')
      expect(duplicates?.value).toBe(batchA.length)
      expect(new Set(deadLetters(letters).map((l) => l.key)).size).toBe(1)
    } finally {
      await second.close()
    }
  })
})
