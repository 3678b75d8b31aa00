import autocannon from 'autocannon'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from '../src/free-port.js'
import { startAttrib } from './measure.js'
import { withClient } from '../test/support/database.js'
import { sampleValue } from '../test/support/prometheus.js'

/**
 * The API under load: `attrib serve` on a projection, then each query of the README's performance table in turn with autocannon
 * (POST /graphql, a fixed number of connections for a fixed time), after `{ __typename }`, which shows what
 * HTTP and GraphQL alone cost on the same machine under the same load. Arguments come from the database (the
 * busiest models and epochs, recent inferences, contributors paid in closed epochs) and rotate per request.
 * Every argument set is first run once and must answer data without errors, so a broken query fails the bench
 * instead of measuring error responses.
 */

export interface BenchQuery {
  name: string
  label: string
  document: string
  /** Up to ARGUMENT_SETS variable sets, picked from the database. */
  variables(client: pg.Client): Promise<Record<string, unknown>[]>
  /** Whether a response's data holds what the query is for (not just no errors). */
  answers(data: Record<string, any>): boolean
}

const ARGUMENT_SETS = 8

export const QUERIES: BenchQuery[] = [
  {
    name: 'floor',
    label: '{ __typename }: HTTP and GraphQL, no SQL',
    document: '{ __typename }',
    variables: async () => [{}],
    answers: (data) => data.__typename === 'Query',
  },
  {
    name: 'topContributors',
    label: 'top 20 contributors of a model in an epoch',
    document: `query ($model: ID!, $epoch: Int!) {
      topContributors(scope: { model: $model, epoch: $epoch }, first: 20) { rank amount attributions contributor { id firstSeenBlock } }
    }`,
    variables: async (client) =>
      (await pick(client, `SELECT model_id AS model, epoch FROM model_epoch_stat WHERE data_part > 0 ORDER BY inferences DESC, id LIMIT $1`)).map(
        (r) => ({ model: r.model, epoch: r.epoch }),
      ),
    answers: (data) => data.topContributors.length > 0,
  },
  {
    name: 'inferenceAttribution',
    label: "one inference's full attribution",
    document: `query ($id: String!) {
      inference(id: $id) {
        id fee net modelPart stakersPart dataPart mode epoch blockNumber model { id }
        attributions(first: 100) {
          pageInfo { hasNextPage }
          nodes { weight amount contribution { id datanet { id } } contributor { id } }
        }
      }
    }`,
    variables: async (client) =>
      (await pick(client, `SELECT id FROM inference WHERE mode = 'USAGE' ORDER BY block_number DESC, id LIMIT $1`)).map((r) => ({ id: r.id })),
    answers: (data) => data.inference?.attributions.nodes.length > 0,
  },
  {
    name: 'contributorPayouts',
    label: "a contributor's epoch payouts with proof",
    document: `query ($account: String!) {
      contributor(id: $account) {
        id
        payouts(first: 25) { nodes { epoch { number root } amount asModelOwner asStaker asContributor proof verified } }
      }
    }`,
    variables: async (client) =>
      (
        await pick(
          client,
          `SELECT p.account_id AS account FROM epoch_payout p JOIN epoch e ON e.id = p.epoch_id
           WHERE e.status = 'CLOSED' AND p.as_contributor > 0 GROUP BY p.account_id ORDER BY count(*) DESC, p.account_id LIMIT $1`,
        )
      ).map((r) => ({ account: r.account })),
    answers: (data) => data.contributor?.payouts.nodes.length > 0 && data.contributor.payouts.nodes.every((p: { verified: boolean }) => p.verified),
  },
  {
    name: 'lineage',
    label: 'lineage depth 3 from a model',
    document: `query ($model: ID!) {
      lineage(kind: MODEL, id: $model, direction: UPSTREAM, depth: 3) {
        truncated
        nodes { kind id depth }
        edges { relation weight amount depth from { kind id } to { kind id } }
      }
    }`,
    variables: async (client) => (await pick(client, 'SELECT id FROM model ORDER BY registered_at_block DESC, id LIMIT $1')).map((r) => ({ model: r.id })),
    answers: (data) => data.lineage?.edges.length > 0,
  },
  {
    name: 'inferencePage',
    label: "a 100-row page of a model's inferences",
    document: `query ($model: ID!) {
      inferences(first: 100, where: { model: { eq: $model } }) {
        pageInfo { hasNextPage endCursor }
        nodes { id blockNumber settledAt fee net mode agentId model { id } agent { id } }
      }
    }`,
    variables: async (client) =>
      (await pick(client, 'SELECT model_id AS model FROM model_epoch_stat GROUP BY model_id ORDER BY sum(inferences) DESC, model_id LIMIT $1')).map(
        (r) => ({ model: r.model }),
      ),
    answers: (data) => data.inferences.nodes.length > 0,
  },
]

export interface GraphqlQueryResult {
  name: string
  label: string
  argumentSets: number
  /** Responses received (any status); requests that timed out are in `timeouts`. */
  requests: number
  requestsPerSecond: number
  /** Of the 2xx responses; null when none came. */
  latencyMs: { p50: number; p99: number; mean: number; max: number } | null
  non2xx: number
  /** 2xx answers whose body held GraphQL errors. */
  graphqlErrors: number
  /** Connection errors, timeouts included. */
  errors: number
  timeouts: number
}

export interface GraphqlResults {
  /** Whether the API ran with its response cache (GQL_RESPONSE_CACHE default) or without (0). */
  responseCache: boolean
  /** Set when the load ran while a projector drained a backlog into the same database: its rate alone and under the load. */
  underWriteLoad?: ProjectorUnderLoad
  /** GQL_WORKERS: processes serving the API. */
  workers: number
  connections: number
  secondsPerQuery: number
  queries: GraphqlQueryResult[]
}

export interface ProjectorUnderLoad {
  /** Records the projector applied per second before the API started, and while it was under load. */
  aloneEventsPerSecond: number
  underLoadEventsPerSecond: number
  /** alone / under load: how many times slower the projector drained while the API was loaded. */
  slowdown: number
  aloneSeconds: number
  underLoadSeconds: number
  /** Whether the backlog was still draining when the load ended (else the rate under load is a lower bound). */
  drainingThroughout: boolean
  /** Query families left out because the half-drained projection had nothing for them yet. */
  skipped: string[]
}

/** Serves the projection at `dbUrl` with `attrib serve` and loads it with each query in turn. */
export async function measureGraphql(options: {
  dbUrl: string
  seconds: number
  connections: number
  responseCache: boolean
  workers: number
  progress?: (message: string) => void
  /** Leave out the families the database has nothing to ask about, instead of failing (a projection being drained). */
  skipUnanswerable?: boolean
  /** Called when the API is up and its arguments are picked, just before the first load, and after the last. */
  onLoad?: { start(): Promise<void>; end(): Promise<void> }
}): Promise<GraphqlResults & { skipped: string[] }> {
  // Statistics as autovacuum would have them by the time anyone queries: a freshly drained projection has none,
  // and without them the planner picks scans that no live deployment would see.
  await withClient(options.dbUrl, (client) => client.query('ANALYZE'))
  const port = await freePort()
  const api = startAttrib(['serve'], {
    DB_URL: options.dbUrl,
    GQL_PORT: String(port),
    LOG_LEVEL: 'warn',
    GQL_WORKERS: String(options.workers),
    ...(options.responseCache ? {} : { GQL_RESPONSE_CACHE: '0' }),
  })
  const url = `http://127.0.0.1:${port}/graphql`
  try {
    await waitUntilReady(`http://127.0.0.1:${port}`, options.workers, api)
    const bodies = await requestBodies(options.dbUrl, options.skipUnanswerable ?? false)
    const skipped: string[] = []
    const bodiesOf = async (query: BenchQuery) => {
      const sets = bodies.get(query.name) ?? []
      if (!options.skipUnanswerable) {
        await checkAnswers(url, query, sets)
        return sets
      }
      const answered = await answeredBodies(url, query, sets)
      if (answered.length === 0) skipped.push(query.name)
      return answered
    }
    const checked = new Map<string, string[]>()
    for (const query of QUERIES) checked.set(query.name, await bodiesOf(query))
    const queries: GraphqlQueryResult[] = []
    await options.onLoad?.start()
    for (const query of QUERIES) {
      const sets = checked.get(query.name)!
      if (sets.length === 0) continue
      options.progress?.(`GraphQL ${query.label} (response cache ${options.responseCache ? 'on' : 'off'}): ${options.connections} connections for ${options.seconds} s`)
      queries.push(await load(url, query, sets, options))
      // Under write load the database never idles: the projector is busy in it.
      if (!options.onLoad) await waitUntilIdle(options.dbUrl)
    }
    await options.onLoad?.end()
    return { responseCache: options.responseCache, workers: options.workers, connections: options.connections, secondsPerQuery: options.seconds, queries, skipped }
  } finally {
    await api.stop()
  }
}

async function pick(client: pg.Client, sql: string): Promise<Record<string, any>[]> {
  return (await client.query(sql, [ARGUMENT_SETS])).rows
}

async function requestBodies(dbUrl: string, allowEmpty: boolean): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    const bodies = new Map<string, string[]>()
    for (const query of QUERIES) {
      const sets = await query.variables(client)
      if (sets.length === 0 && !allowEmpty) throw new Error(`GraphQL bench: the database has nothing to ask "${query.label}" about`)
      bodies.set(query.name, sets.map((variables) => JSON.stringify({ query: query.document, variables })))
    }
    return bodies
  } finally {
    await client.end()
  }
}

/** Ready once every worker listens for changes (each worker counts 1 in the summed gauge). */
export async function waitUntilReady(baseUrl: string, workers: number, api: ReturnType<typeof startAttrib>): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (api.child.exitCode != null) throw new Error(`attrib serve exited (${api.child.exitCode}):\n${api.stderr()}`)
    const listening = await fetch(`${baseUrl}/metrics`).then(
      async (r) => (r.ok ? sampleValue(await r.text(), 'attrib_api_change_feed_connected') : undefined),
      () => undefined,
    )
    if (listening === workers) return
    if (Date.now() > deadline) throw new Error(`attrib serve not ready within 60 s:\n${api.stderr()}`)
    await sleep(200)
  }
}

async function checkAnswers(url: string, query: BenchQuery, bodies: string[]): Promise<void> {
  for (const body of bodies) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await response.text()
    const result = JSON.parse(text) as { data?: Record<string, any>; errors?: unknown[] }
    if (!response.ok || result.errors || !result.data || !query.answers(result.data)) {
      throw new Error(`GraphQL bench: "${query.label}" did not answer as expected (HTTP ${response.status}) for ${body}:\n${text.slice(0, 2_000)}`)
    }
  }
}

/** The argument sets a query answers as expected on a projection still being drained. */
async function answeredBodies(url: string, query: BenchQuery, bodies: string[]): Promise<string[]> {
  const answered: string[] = []
  for (const body of bodies) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const result = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] }
    if (response.ok && !result.errors && result.data && query.answers(result.data)) answered.push(body)
  }
  return answered
}

/**
 * The GraphQL load while a projector drains a backlog into the same database (cache off: the projector commits
 * many times a second, so a deployed cache would mostly miss too). The projector runs alone first, until a
 * share of the backlog is in (so the queries have something to ask about), which gives its rate alone; then
 * the API serves the same database under load while it drains on, which gives its rate under load.
 */
export async function measureGraphqlUnderWriteLoad(options: {
  dbUrl: string
  group: string
  /** Records in the backlog (the sum of its topics' end offsets). */
  records: number
  startProjector: () => ReturnType<typeof startAttrib>
  seconds: number
  connections: number
  workers: number
  progress?: (message: string) => void
}): Promise<GraphqlResults> {
  const projector = options.startProjector()
  const client = new pg.Client({ connectionString: options.dbUrl })
  await client.connect()
  const applied = async () => {
    if (projector.child.exitCode != null) throw new Error(`the projector exited while draining:\n${projector.stderr()}`)
    const { rows } = await client.query(
      `SELECT coalesce(sum(next_offset), 0)::float8 AS n FROM consumer_offset WHERE group_id = $1`,
      [options.group],
    )
    return { at: performance.now(), records: Number(rows[0].n) }
  }
  const reach = async (share: number) => {
    for (;;) {
      const sample = await applied()
      if (sample.records >= share * options.records) return sample
      await sleep(200)
    }
  }
  try {
    const first = await reach(0.05)
    const alone = await reach(0.3)
    options.progress?.(`projector alone: ${Math.round((alone.records - first.records) / ((alone.at - first.at) / 1000))} records/s; now loading the API on the same database`)
    let start = alone
    let end = alone
    const results = await measureGraphql({
      dbUrl: options.dbUrl,
      seconds: options.seconds,
      connections: options.connections,
      responseCache: false,
      workers: options.workers,
      progress: options.progress,
      skipUnanswerable: true,
      onLoad: { start: async () => void (start = await applied()), end: async () => void (end = await applied()) },
    })
    const aloneRate = (alone.records - first.records) / ((alone.at - first.at) / 1000)
    const underLoadRate = (end.records - start.records) / ((end.at - start.at) / 1000)
    const { skipped, ...graphql } = results
    return {
      ...graphql,
      underWriteLoad: {
        aloneEventsPerSecond: aloneRate,
        underLoadEventsPerSecond: underLoadRate,
        slowdown: aloneRate / underLoadRate,
        aloneSeconds: (alone.at - first.at) / 1000,
        underLoadSeconds: (end.at - start.at) / 1000,
        drainingThroughout: end.records < options.records,
        skipped,
      },
    }
  } finally {
    await client.end()
    await projector.stop()
  }
}

async function load(url: string, query: BenchQuery, bodies: string[], options: { seconds: number; connections: number }): Promise<GraphqlQueryResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    // Each connection cycles through the argument sets.
    requests: bodies.map((body) => ({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body })),
    verifyBody: (body) => !String(body).includes('"errors"'),
  })
  return {
    name: query.name,
    label: query.label,
    argumentSets: bodies.length,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: result['2xx'] > 0 ? { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean, max: result.latency.max } : null,
    non2xx: result.non2xx,
    graphqlErrors: result.mismatches,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

/**
 * Requests whose client gave up (a timeout, or the end of the run) are still queued in the API and running in
 * the database: the next query is measured only once the database has had no active statement for a second.
 */
async function waitUntilIdle(dbUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    const deadline = Date.now() + 300_000
    for (let quiet = 0; quiet < 5; ) {
      if (Date.now() > deadline) throw new Error('GraphQL bench: the database is still busy 5 minutes after the load stopped')
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      )
      quiet = rows[0].n === 0 ? quiet + 1 : 0
      await sleep(200)
    }
  } finally {
    await client.end()
  }
}

// Alone, against an existing projection:
// node bench/dist/bench/graphql.js --db-url URL [--seconds S] [--connections C] [--workers W] [--no-response-cache]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'db-url': { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      'no-response-cache': { type: 'boolean', default: false },
    },
  })
  if (!values['db-url']) throw new Error('--db-url is required')
  const results = await measureGraphql({
    dbUrl: values['db-url'],
    seconds: Number(values.seconds ?? 20),
    connections: Number(values.connections ?? 50),
    responseCache: !values['no-response-cache'],
    workers: Number(values.workers ?? 1),
    progress: (message) => console.error(message),
  })
  console.log(JSON.stringify(results, null, 2))
}
