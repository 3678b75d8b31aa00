import { createHash } from 'node:crypto'
import { createInMemoryCache, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache'
import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'
import type { ChangeFeed } from '../change-feed.js'

/**
 * Fields read from tables the ingesters write (not announced by the projection's commits): a response holding
 * one is never cached.
 */
const UNCACHED_FIELDS = ['Query._meta', 'Query.deadLetterCounts']

type Generations = Pick<ChangeFeed, 'listening' | 'generation'>

/** The longest a response is reused, should notices go missing unnoticed (say, on a half-open connection). */
const MAX_AGE_MS = 10_000

/**
 * Whole query responses, reused until the projection commits again. Only the projection's writers change what
 * queries read, and each announces its commit (`noticeCommit`); the change feed counts the announcements in
 * `generation`. A cache key starts with the generation its request started in, and only keys of the current
 * generation are stored or served, so a response read from a snapshot older than a commit is never served once
 * that commit's notice has arrived (until then the API answers as of the previous commit, as a query started a
 * moment earlier would). The key is also the response's ETag: a client revalidating with `If-None-Match` gets
 * 304 only while the generation lasts. While the feed is not listening a notice could be missed, so nothing is
 * served from the cache or stored.
 */
export function useProjectionResponseCache(feed: Generations, options: { maxEntries: number }): Plugin {
  if (options.maxEntries === 0) return {}
  return useResponseCache({
    session: () => null,
    ttl: MAX_AGE_MS,
    cache: currentGenerationCache(feed, options.maxEntries),
    // Operations over WebSocket carry no fetch Request, from which yoga's cache builds its keys: never cached.
    enabled: (request: Request | undefined) => request !== undefined && feed.listening,
    // node:crypto hashes synchronously; the default's WebCrypto digest is a round trip through the thread pool.
    buildResponseCacheKey: ({ documentString, variableValues, operationName }) => {
      const operation = JSON.stringify([operationName ?? null, documentString, variableValues ?? null])
      return `${feed.generation}-${createHash('sha256').update(operation).digest('hex')}`
    },
    ttlPerSchemaCoordinate: Object.fromEntries(UNCACHED_FIELDS.map((field) => [field, 0])),
  })
}

/** An LRU of the current generation's responses, emptied when the generation moves on. */
function currentGenerationCache(feed: Generations, maxEntries: number): Cache {
  let generation = feed.generation
  let entries = createInMemoryCache({ max: maxEntries })
  const current = (key: string): Cache | undefined => {
    if (feed.generation !== generation) {
      generation = feed.generation
      entries = createInMemoryCache({ max: maxEntries })
    }
    return key.startsWith(`${generation}-`) ? entries : undefined
  }
  return {
    async get(key) {
      const cached = await current(key)?.get(key)
      if (cached) apiMetrics.responseCache.inc({ event: 'hit' })
      return cached
    },
    async set(key, ...rest) {
      const cache = current(key)
      if (!cache) return
      await cache.set(key, ...rest)
      apiMetrics.responseCache.inc({ event: 'store' })
    },
    invalidate: (entities) => entries.invalidate(entities),
  }
}
