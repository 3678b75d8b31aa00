import type { ASTVisitor, SelectionSetNode, ValidationContext } from 'graphql'
import { GraphQLError, Kind } from '../graphql.js'
import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'

/**
 * Refuses, at validation, operations nested deeper than `maxDepth` fields (fragments expanded). Introspection
 * is not counted: GraphiQL's schema query is deep by nature and costs nothing.
 */
export function useDepthLimit(options: { maxDepth: number }): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule((context: ValidationContext) => depthRule(context, options.maxDepth))
    },
  }
}

function depthRule(context: ValidationContext, maxDepth: number): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const depth = depthOf(context, operation.selectionSet, new Set())
      if (depth <= maxDepth) return
      apiMetrics.rejected.inc({ reason: 'depth' })
      context.reportError(
        new GraphQLError(`Query depth ${depth} exceeds the maximum of ${maxDepth}`, {
          nodes: [operation],
          extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
        }),
      )
    },
  }
}

function depthOf(context: ValidationContext, selectionSet: SelectionSetNode, fragments: Set<string>): number {
  let deepest = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue
      deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(context, selection.selectionSet, fragments) : 0))
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(context, selection.selectionSet, fragments))
    } else {
      const fragment = context.getFragment(selection.name.value)
      if (!fragment || fragments.has(fragment.name.value)) continue // cycles are reported by NoFragmentCycles
      fragments.add(fragment.name.value)
      deepest = Math.max(deepest, depthOf(context, fragment.selectionSet, fragments))
      fragments.delete(fragment.name.value)
    }
  }
  return deepest
}
