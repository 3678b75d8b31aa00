import type { Plugin } from 'graphql-yoga'
import type { Registry } from 'prom-client'

/** Serves the Prometheus registry at `endpoint` (default `/metrics`). */
export function useMetricsEndpoint(registry: Registry, endpoint = '/metrics'): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return
      endResponse(
        new fetchAPI.Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }),
      )
    },
  }
}
