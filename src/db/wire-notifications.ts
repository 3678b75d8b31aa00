/** A notification as the backend sends it (NotificationResponse): the channel and its payload. */
export interface WireNotification {
  channel: string
  payload: string
}

const NOTIFICATION_RESPONSE = 0x41 // 'A'
const HEADER_BYTES = 5 // type byte + int32 length (which counts itself)

/**
 * Picks NotificationResponse messages out of one response of a PostgreSQL backend (the bytes it writes back
 * for one group of frontend messages, in chunks of any size); every other message is skipped unread. A
 * response begins at a message boundary, so one scanner serves one response.
 */
export function notificationScanner(onNotification: (notification: WireNotification) => void) {
  let header = new Uint8Array(HEADER_BYTES)
  let headerFill = 0
  let skip = 0
  let body: Uint8Array | undefined
  let bodyFill = 0
  return (chunk: Uint8Array) => {
    let at = 0
    while (at < chunk.length) {
      if (skip > 0) {
        const step = Math.min(skip, chunk.length - at)
        skip -= step
        at += step
        continue
      }
      if (body) {
        const step = Math.min(body.length - bodyFill, chunk.length - at)
        body.set(chunk.subarray(at, at + step), bodyFill)
        bodyFill += step
        at += step
        if (bodyFill === body.length) {
          onNotification(parseNotification(body))
          body = undefined
        }
        continue
      }
      header[headerFill++] = chunk[at++]
      if (headerFill < HEADER_BYTES) continue
      headerFill = 0
      const length = new DataView(header.buffer).getInt32(1) - 4
      if (header[0] === NOTIFICATION_RESPONSE) {
        body = new Uint8Array(length)
        bodyFill = 0
        if (length === 0) body = undefined
      } else {
        skip = length
      }
      header = new Uint8Array(HEADER_BYTES)
    }
  }
}

/** Body of a NotificationResponse: int32 process id, then the channel and the payload as C strings. */
function parseNotification(body: Uint8Array): WireNotification {
  const text = new TextDecoder()
  const channelEnd = body.indexOf(0, 4)
  const payloadEnd = body.indexOf(0, channelEnd + 1)
  return {
    channel: text.decode(body.subarray(4, channelEnd)),
    payload: text.decode(body.subarray(channelEnd + 1, payloadEnd < 0 ? body.length : payloadEnd)),
  }
}

/** Notifications delivered in this process (the embedded database): `listen` returns the unsubscribe. */
export interface NotificationSource {
  listen(channel: string, listener: (payload: string) => void): () => void
}
