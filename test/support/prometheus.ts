/** Reads one sample from a Prometheus text exposition served at `url`; undefined when it is not there. */
export async function scrapeMetric(url: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return sampleValue(await response.text(), name, labels)
}

export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const present = (match[2] ?? '').split(',').filter(Boolean)
    if (wanted.every((label) => present.includes(label))) return Number(match[3])
  }
  return undefined
}
