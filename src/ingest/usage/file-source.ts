import { open, readdir } from 'node:fs/promises'
import path from 'node:path'
import type { DataSource } from 'typeorm'
import type { Logger } from '../../logger.js'
import { splitLines } from './body.js'
import type { UsageIngester } from './ingester.js'
import { startLoop, type Loop } from './loop.js'

/**
 * A watched folder of NDJSON files (`*.ndjson`, `*.jsonl`) that nodes ship in batches. Each file is read from
 * where the last read stopped (usage_file_cursor), whole lines only, and the position moves on only after the
 * log has acknowledged the lines: a restart re-reads at most the last unconfirmed chunk, whose records are
 * then recognised as duplicates. A file replaced under the same name (another inode) or shrunk is read again
 * from its start. A last line without a newline waits until the file has stopped changing for `settleMs`.
 * Run one file source per folder.
 */
const FILE_PATTERN = /\.(ndjson|jsonl)$/
const CHUNK_BYTES = 1 << 20

export interface FileSourceOptions {
  dir: string
  db: DataSource
  ingester: UsageIngester
  pollMs: number
  settleMs: number
  maxRecordBytes: number
  logger: Logger
}

export function startFileSource(options: FileSourceOptions): Loop {
  const { logger } = options
  logger.info({ dir: options.dir }, 'following usage files')
  return startLoop('usage file source', options.pollMs, logger, async (isStopping) => {
    const names = (await readdir(options.dir)).filter((n) => FILE_PATTERN.test(n)).sort()
    for (const name of names) {
      if (isStopping()) return
      await readFile(options, path.resolve(options.dir, name), isStopping)
    }
  })
}

interface Cursor {
  fileId: string
  offset: number
  line: number
}

async function readFile(options: FileSourceOptions, file: string, isStopping: () => boolean) {
  const { db, ingester, logger } = options
  const handle = await open(file, 'r').catch(() => undefined) // removed since it was listed
  if (!handle) return
  try {
    for (;;) {
      if (isStopping()) return
      const info = await handle.stat()
      const fileId = `${info.dev}:${info.ino}`
      let cursor = await readCursor(db, file)
      if (!cursor || cursor.fileId !== fileId || info.size < cursor.offset) {
        if (cursor) logger.info({ file }, 'usage file was replaced or truncated; reading it from the start')
        cursor = { fileId, offset: 0, line: 0 }
      }
      if (info.size <= cursor.offset) return
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, info.size - cursor.offset))
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, cursor.offset)
      const atEnd = cursor.offset + bytesRead >= info.size
      const complete = completeLines(chunk.subarray(0, bytesRead), atEnd && Date.now() - info.mtimeMs >= options.settleMs, options.maxRecordBytes)
      if (complete.length === 0) return
      const items = splitLines(complete, cursor.line + 1, {
        maxRecordBytes: options.maxRecordBytes,
        position: (_index, line) => `${path.basename(file)} line ${line}`,
      })
      if (items.length > 0) await ingester.ingest(items, 'file')
      const lines = countNewlines(complete) + (complete[complete.length - 1] === 0x0a ? 0 : 1)
      await saveCursor(db, file, { fileId, offset: cursor.offset + complete.length, line: cursor.line + lines })
    }
  } finally {
    await handle.close()
  }
}

/**
 * The part of a chunk that can be read now: up to its last newline; or all of it when it ends the file and the
 * file has stopped changing (its last line will get no newline), or when the unfinished line is already too
 * long to be a record (it is refused as `record-too-large`, and what follows of it as malformed).
 */
function completeLines(chunk: Buffer, settledAtEnd: boolean, maxRecordBytes: number): Buffer {
  const lastNewline = chunk.lastIndexOf(0x0a)
  const tail = chunk.length - (lastNewline + 1)
  if (tail === 0 || settledAtEnd || tail > maxRecordBytes) return chunk
  return chunk.subarray(0, lastNewline + 1)
}

function countNewlines(bytes: Buffer): number {
  let count = 0
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) count++
  return count
}

async function readCursor(db: DataSource, file: string): Promise<Cursor | undefined> {
  const [row] = await db.query('SELECT file_id, byte_offset, line FROM usage_file_cursor WHERE path = $1', [file])
  return row ? { fileId: row.file_id, offset: Number(row.byte_offset), line: row.line } : undefined
}

async function saveCursor(db: DataSource, file: string, cursor: Cursor): Promise<void> {
  await db.query(
    `INSERT INTO usage_file_cursor (path, file_id, byte_offset, line) VALUES ($1, $2, $3, $4)
     ON CONFLICT (path) DO UPDATE SET file_id = excluded.file_id, byte_offset = excluded.byte_offset,
       line = excluded.line, updated_at = now()`,
    [file, cursor.fileId, cursor.offset, cursor.line],
  )
}
