/**
 * Splits what a source delivered (an HTTP body, a chunk of a file, a raw-topic message) into records, keeping
 * each record's original bytes for its dead letter. Accepted shapes: one JSON object, a JSON array of them, or
 * NDJSON (one per line). A bad element spoils only itself: `[{…}, {bad]` yields one good and one malformed item.
 */
export type ParsedJson = { ok: true; json: unknown } | { ok: false; reason: string; detail: string }

export interface SourceItem {
  /** Where it came from, for dead letters and replies: `item 3`, `node-a.ndjson line 17`, `topic/2@1045`. */
  position: string
  original: Buffer
  parsed: ParsedJson
}

export interface SplitOptions {
  /** A single record larger than this is refused without parsing (`record-too-large`). */
  maxRecordBytes: number
  /** Describes the item at an index (0-based; for NDJSON the 1-based line number is passed). */
  position(index: number, line?: number): string
}

const NEWLINE = 0x0a

/** Splits a whole body; `ndjson` forces line mode (content-type application/x-ndjson). */
export function splitBody(body: Buffer, ndjson: boolean, options: SplitOptions): SourceItem[] {
  if (ndjson) return splitLines(body, 1, options)
  const text = body.toString('utf8')
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('[')) {
    const elements = splitJsonArray(trimmed)
    if (elements) return elements.map((element, index) => item(Buffer.from(element, 'utf8'), options.position(index), options.maxRecordBytes))
  } else {
    const whole = parseJson(body, Number.POSITIVE_INFINITY)
    // Not one JSON value but several lines: NDJSON sent without its content type.
    if (whole.ok || trimmed.indexOf('\n') < 0) return [{ position: options.position(0), original: body, parsed: limited(body, options.maxRecordBytes, whole) }]
    return splitLines(body, 1, options)
  }
  return [{ position: options.position(0), original: body, parsed: parseJson(body, options.maxRecordBytes) }]
}

/** One item per non-blank line; a final line without a newline is taken as complete. */
export function splitLines(chunk: Buffer, firstLine: number, options: SplitOptions): SourceItem[] {
  const items: SourceItem[] = []
  let start = 0
  for (let line = firstLine; start < chunk.length; line++) {
    const newline = chunk.indexOf(NEWLINE, start)
    const end = newline < 0 ? chunk.length : newline
    let bytes = chunk.subarray(start, end)
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1) // CRLF
    if (bytes.toString('utf8').trim() !== '') items.push(item(Buffer.from(bytes), options.position(items.length, line), options.maxRecordBytes))
    start = end + 1
  }
  return items
}

function item(original: Buffer, position: string, maxRecordBytes: number): SourceItem {
  return { position, original, parsed: parseJson(original, maxRecordBytes) }
}

function limited(original: Buffer, maxRecordBytes: number, parsed: ParsedJson): ParsedJson {
  return original.length > maxRecordBytes ? tooLarge(original, maxRecordBytes) : parsed
}

function tooLarge(original: Buffer, maxRecordBytes: number): ParsedJson {
  return { ok: false, reason: 'record-too-large', detail: `record is ${original.length} bytes; at most ${maxRecordBytes} allowed` }
}

function parseJson(original: Buffer, maxRecordBytes: number): ParsedJson {
  if (original.length > maxRecordBytes) return tooLarge(original, maxRecordBytes)
  try {
    return { ok: true, json: JSON.parse(original.toString('utf8')) }
  } catch (err) {
    return { ok: false, reason: 'malformed-json', detail: (err as Error).message }
  }
}

/**
 * The top-level elements of a JSON array, as source text, without parsing them: a scan that tracks strings
 * and nesting depth. Undefined when the array itself is broken (unclosed, or text after its end).
 */
export function splitJsonArray(text: string): string[] | undefined {
  const elements: string[] = []
  let depth = 0
  let inString = false
  let escaped = false
  let start = 1
  for (let i = 1; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === '\\') escaped = true
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || (c === ']' && depth > 0)) depth--
    else if (depth === 0 && (c === ',' || c === ']')) {
      const element = text.slice(start, i).trim()
      // `[]` has no elements; an empty slot anywhere else (`[1,,2]`, `[1,]`) is kept and fails to parse.
      if (!(c === ']' && element === '' && elements.length === 0)) elements.push(element)
      start = i + 1
      if (c === ']') return text.slice(i + 1).trim() === '' ? elements : undefined
    }
  }
  return undefined
}
