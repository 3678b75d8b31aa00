// The explorer reads only the public GraphQL API of the server that serves it: queries over POST, live
// streams over Server-Sent Events (GET /graphql with the operation in the URL).
const ENDPOINT = '/graphql'

export class GraphQLError extends Error {}

export async function query<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: document, variables }),
  })
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] }
  if (body.errors?.length) throw new GraphQLError(body.errors.map((e) => e.message).join('; '))
  if (body.data == null) throw new GraphQLError(`HTTP ${response.status}`)
  return body.data
}

/** Calls `onData` with each payload of a subscription until the returned function is called. */
export function subscribe<T>(document: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void {
  const url = `${ENDPOINT}?query=${encodeURIComponent(document)}&variables=${encodeURIComponent(JSON.stringify(variables))}`
  const source = new EventSource(url)
  const onMessage = (event: MessageEvent<string>) => {
    if (!event.data) return
    const payload = JSON.parse(event.data) as { data?: T }
    if (payload.data) onData(payload.data)
  }
  source.addEventListener('next', onMessage as EventListener)
  source.addEventListener('message', onMessage)
  return () => source.close()
}
