import { readFileSync } from 'node:fs'
import path from 'node:path'
import { renderGraphiQL } from '@graphql-yoga/render-graphiql'
import type { Plugin } from 'graphql-yoga'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
}

/** The explorer's files, as `npm run build` bundles them (scripts/build-web.mjs): index.html and explorer/*. */
export const EXPLORER_FILES = ['index.html', 'explorer/app.js', 'explorer/app.css']

/**
 * The web explorer at `/` (static files bundled at build time from web/) and GraphiQL on a browser's GET of
 * `graphqlEndpoint`, rendered from the installed @graphql-yoga/render-graphiql with its scripts inline: neither
 * page makes a request to any other host. The explorer reads only the public GraphQL API.
 */
export function useExplorer(options: { dir: string; graphqlEndpoint?: string }): Plugin {
  const graphqlEndpoint = options.graphqlEndpoint ?? '/graphql'
  const files = new Map<string, { body: string; type: string }>()
  for (const name of EXPLORER_FILES) {
    try {
      files.set(`/${name}`, { body: readFileSync(path.join(options.dir, name), 'utf8'), type: CONTENT_TYPES[path.extname(name)] })
    } catch {
      // not built: `/` says so below
    }
  }
  let graphiql: string | undefined // 9 MB of inlined GraphiQL: rendered once, on first use
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return
      if (url.pathname === graphqlEndpoint) {
        if (!(request.headers.get('accept') ?? '').includes('text/html')) return
        graphiql ??= renderGraphiQL({ title: 'attribution-indexer GraphiQL', endpoint: graphqlEndpoint, subscriptionsProtocol: 'SSE' })
        return endResponse(new fetchAPI.Response(graphiql, { headers: { 'content-type': 'text/html; charset=utf-8' } }))
      }
      const file = files.get(url.pathname === '/' ? '/index.html' : url.pathname)
      if (file) {
        return endResponse(new fetchAPI.Response(file.body, { headers: { 'content-type': file.type, 'cache-control': 'no-cache' } }))
      }
      if (url.pathname === '/') {
        return endResponse(new fetchAPI.Response('The explorer is not built: run `npm run build`.\n', { status: 404, headers: { 'content-type': 'text/plain' } }))
      }
    },
  }
}
