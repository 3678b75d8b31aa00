import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases'
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives'
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens'
import type { ASTVisitor, GraphQLError as GraphQLErrorType, SelectionSetNode, ValidationContext } from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'
import { GraphQLError, Kind } from '../graphql.js'

export interface OperationLimits {
  /** Lexical tokens in a document (checked while parsing, so a huge document stops at the limit). */
  maxTokens: number
  /** Aliased fields in an operation, fragments included (`__typename` counts too). */
  maxAliases: number
  /** Fields at the root of an operation, fragments expanded. */
  maxRootFields: number
  /** Directives in an operation. */
  maxDirectives: number
}

/**
 * Limits on the shape of a document, refused at parsing or validation (before any SQL, and cached with the
 * document): tokens, aliases and directives by graphql-armor, root fields here. Each refusal names its limit
 * and value, carries a code in `extensions`, and is counted in attrib_api_rejected_operations_total.
 */
export function useOperationLimits(limits: OperationLimits): Plugin[] {
  const rejected = (reason: string, code: string, limit: Record<string, number>) => [
    (_: unknown, error: GraphQLErrorType) => {
      apiMetrics.rejected.inc({ reason })
      Object.assign(error.extensions as Record<string, unknown>, { code, ...limit })
    },
  ]
  return [
    maxTokensPlugin({ n: limits.maxTokens, onReject: rejected('tokens', 'TOO_MANY_TOKENS', { maxTokens: limits.maxTokens }) }),
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [], onReject: rejected('aliases', 'TOO_MANY_ALIASES', { maxAliases: limits.maxAliases }) }),
    maxDirectivesPlugin({
      n: limits.maxDirectives,
      onReject: rejected('directives', 'TOO_MANY_DIRECTIVES', { maxDirectives: limits.maxDirectives }),
    }),
    { onValidate: ({ addValidationRule }) => addValidationRule((context: ValidationContext) => rootFieldsRule(context, limits.maxRootFields)) },
  ] as Plugin[]
}

function rootFieldsRule(context: ValidationContext, maxRootFields: number): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const count = rootFields(context, operation.selectionSet, new Set())
      if (count <= maxRootFields) return
      apiMetrics.rejected.inc({ reason: 'root-fields' })
      context.reportError(
        new GraphQLError(`The operation selects ${count} root fields, more than the maximum of ${maxRootFields}`, {
          nodes: [operation],
          extensions: { code: 'TOO_MANY_ROOT_FIELDS', rootFields: count, maxRootFields },
        }),
      )
    },
  }
}

function rootFields(context: ValidationContext, selectionSet: SelectionSetNode, fragments: Set<string>): number {
  let count = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count++
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFields(context, selection.selectionSet, fragments)
    else if (!fragments.has(selection.name.value)) {
      fragments.add(selection.name.value) // cycles are reported by NoFragmentCycles
      const fragment = context.getFragment(selection.name.value)
      if (fragment) count += rootFields(context, fragment.selectionSet, fragments)
    }
  }
  return count
}
