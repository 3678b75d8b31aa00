import { pino, destination, type Logger } from 'pino'

export type { Logger }

/** JSON logs on stderr, so stdout stays free for command output (digests, help). */
export function createLogger(level: string, name = 'attrib'): Logger {
  return pino({ name, level }, destination(2))
}
