import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'

/**
 * Refuses request bodies (the document and its variables) larger than `maxBodyBytes` before reading them: by
 * their Content-Length, which a body of unknown length must then carry (411 otherwise). A GET's query string
 * is bounded by Node's header size limit.
 */
export function useRequestLimits(options: { maxBodyBytes: number }): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return
      const refuse = (status: number, code: string, message: string) => {
        apiMetrics.rejected.inc({ reason: 'body-size' })
        const body = { errors: [{ message, extensions: { code, maxBodyBytes: options.maxBodyBytes } }] }
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', connection: 'close' } }))
      }
      const length = request.headers.get('content-length')
      if (length == null) {
        if (request.headers.get('transfer-encoding')) {
          refuse(411, 'LENGTH_REQUIRED', `A request body must state its Content-Length (at most ${options.maxBodyBytes} bytes)`)
        }
        return
      }
      if (Number(length) > options.maxBodyBytes) {
        refuse(413, 'REQUEST_TOO_LARGE', `The request body of ${length} bytes exceeds the maximum of ${options.maxBodyBytes} bytes (document and variables)`)
      }
    },
  }
}
