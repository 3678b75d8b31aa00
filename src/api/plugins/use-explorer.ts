import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { renderGraphiQL } from '@graphql-yoga/render-graphiql'
import type { GraphiQLOptions, Plugin } from 'graphql-yoga'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
}

/** The explorer's files, as `npm run build` bundles them (scripts/build-web.mjs): index.html and explorer/*. */
function explorerFiles(dir: string): string[] {
  try {
    return ['index.html', ...readdirSync(path.join(dir, 'explorer')).map((name) => `explorer/${name}`)]
  } catch {
    return [] // not built: `/` says so
  }
}

/** A chunk's name carries a digest of its content: it can be kept for good. */
const CHUNK = /^\/explorer\/chunk-[A-Z0-9]+\.js$/

/**
 * GraphiQL for yoga's `renderGraphiQL`, from the installed @graphql-yoga/render-graphiql with its scripts inline
 * (yoga's default loads them from a CDN): 9 MB of HTML, rendered once per set of options.
 */
export function renderOfflineGraphiQL(options?: GraphiQLOptions): string {
  const key = JSON.stringify(options ?? {})
  let page = graphiqlPages.get(key)
  if (!page) graphiqlPages.set(key, (page = renderGraphiQL(options)))
  return page
}
const graphiqlPages = new Map<string, string>()

/**
 * The web explorer at `/`: static files bundled at build time from web/, which make no request to any other host
 * and read only the public GraphQL API.
 */
export function useExplorer(options: { dir: string }): Plugin {
  const files = new Map<string, { body: string; type: string }>()
  for (const name of explorerFiles(options.dir)) {
    files.set(`/${name}`, { body: readFileSync(path.join(options.dir, name), 'utf8'), type: CONTENT_TYPES[path.extname(name)] })
  }
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return
      const file = files.get(url.pathname === '/' ? '/index.html' : url.pathname)
      if (file) {
        const caching = CHUNK.test(url.pathname) ? 'public, max-age=31536000, immutable' : 'no-cache'
        return endResponse(new fetchAPI.Response(file.body, { headers: { 'content-type': file.type, 'cache-control': caching } }))
      }
      if (url.pathname === '/') {
        return endResponse(new fetchAPI.Response('The explorer is not built: run `npm run build`.\n', { status: 404, headers: { 'content-type': 'text/plain' } }))
      }
    },
  }
}
