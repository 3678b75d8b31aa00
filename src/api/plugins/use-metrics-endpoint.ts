import type { Plugin } from 'graphql-yoga'
import type { Registry } from 'prom-client'
import { metricsText } from '../workers.js'

/** Serves the Prometheus registry at `endpoint` (default `/metrics`), summed over the API's workers if it has several. */
export function useMetricsEndpoint(registry: Registry, endpoint = '/metrics'): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return
      endResponse(
        new fetchAPI.Response(await metricsText(registry), { headers: { 'content-type': registry.contentType } }),
      )
    },
  }
}
