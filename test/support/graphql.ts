/**
 * A GraphQL request over real HTTP; throws on transport or GraphQL errors, or when no answer came within
 * `timeoutMs` (a connection the server accepted but never answered must fail a probe, not hang it).
 */
export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(timeoutMs),
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  })
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] }
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '))
  if (!response.ok || body.data == null) throw new Error(`HTTP ${response.status}`)
  return body.data
}
