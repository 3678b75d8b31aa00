import { GraphQLError } from './graphql.js'

/**
 * Machine-readable codes in `extensions.code`, so clients can tell what to fix (the limit plugins add
 * QUERY_TOO_DEEP and QUERY_TOO_COSTLY).
 */
export type ApiErrorCode = 'BAD_USER_INPUT' | 'BAD_CURSOR' | 'PAGE_SIZE_EXCEEDED'

/** An error the client caused; graphql-yoga passes GraphQLErrors through unmasked. */
export function userError(message: string, code: ApiErrorCode = 'BAD_USER_INPUT', extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { code, ...extensions } })
}
