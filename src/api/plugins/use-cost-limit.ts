import { GraphQLError } from '../graphql.js'
import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'
import { operationCost } from '../query-cost.js'

/**
 * Refuses operations whose estimated cost (query-cost.ts) exceeds `maxCost`. It runs when the operation is
 * about to execute rather than at validation, because the cost depends on the variables (`first: $n`) and
 * validation results are cached per document.
 */
export function useCostLimit(options: { maxCost: number }): Plugin {
  function refusal(args: { schema: Parameters<typeof operationCost>[0]; document: Parameters<typeof operationCost>[1]; operationName?: string | null; variableValues?: Record<string, unknown> | null }) {
    const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues)
    if (cost <= options.maxCost) return undefined
    apiMetrics.rejected.inc({ reason: 'cost' })
    return {
      errors: [
        new GraphQLError(`Query cost ${cost} exceeds the maximum of ${options.maxCost}: ask for fewer rows (first/last) or fewer nested lists`, {
          extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: options.maxCost },
        }),
      ],
    }
  }
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const result = refusal(args)
      if (result) setResultAndStopExecution(result)
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const result = refusal(args)
      if (result) setResultAndStopExecution(result)
    },
  }
}
