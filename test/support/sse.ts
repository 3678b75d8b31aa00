/** A GraphQL subscription over Server-Sent Events, read in the background: its payloads pile up in `items`. */
export class SseSubscription {
  readonly items: { data?: Record<string, any>; errors?: unknown[] }[] = []
  error: unknown
  private readonly abort = new AbortController()

  constructor(url: string, query: string, variables: Record<string, unknown> = {}) {
    void this.read(url, query, variables).catch((err) => {
      if (!this.abort.signal.aborted) this.error = err
    })
  }

  private async read(url: string, query: string, variables: Record<string, unknown>) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
      signal: this.abort.signal,
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n')
        buffer = buffer.slice(end + 2)
        if (lines.includes('event: complete')) return
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n').trim()
        if (data) this.items.push(JSON.parse(data))
      }
    }
  }

  /** The first field of each payload's data (the subscription's value). */
  values(): any[] {
    return this.items.map((item) => (item.data ? Object.values(item.data)[0] : item))
  }

  close() {
    this.abort.abort()
  }
}
