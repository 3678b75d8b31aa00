import { useGraphQlJit } from '@envelop/graphql-jit'
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql'
import { getOperationAST, getVariableValues, Kind } from '../graphql.js'
import type { Logger } from '../../logger.js'
import { apiMetrics } from '../api-metrics.js'

/** Executions of a document on graphql-js before it is compiled. */
const COMPILE_ON_EXECUTION = 2

type CompiledQueriesPlugin = ReturnType<typeof useGraphQlJit>
type ExecuteHook = NonNullable<CompiledQueriesPlugin['onExecute']>

/**
 * Queries run as JavaScript compiled for their document (graphql-jit) instead of graphql-js walking the
 * document for every row: a 100-row page resolves about a thousand fields, and the walk, not PostgreSQL, was
 * most of its time. A document is compiled on its second execution, so a client sending documents once each
 * cannot make the server compile for every request; the compiled query lives as long as yoga's parser cache
 * keeps the document. Subscriptions, documents of several operations and variables graphql-jit would take
 * otherwise than graphql-js (`compilesAlike`) stay on graphql-js. A compiled query's field errors get their
 * locations in the document back (test/int/api-compiled-queries.int.test.ts holds the two executions to the
 * same answers).
 */
export function useCompiledQueries(logger: Logger): CompiledQueriesPlugin {
  const executions = new WeakMap<DocumentNode, number>()
  const compiled = new WeakSet<DocumentNode>()
  const compiledRuns = new WeakSet<object>()
  const jit = useGraphQlJit(
    {},
    {
      enableIf: (args) => {
        const { document, operationName } = args
        // The plugin keeps one compiled operation per document: a document holding several is not compiled.
        if (document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length !== 1) return false
        const operation = getOperationAST(document, operationName)
        if (operation?.operation !== 'query') return false
        const count = (executions.get(document) ?? 0) + 1
        if (count <= COMPILE_ON_EXECUTION) executions.set(document, count)
        // Variables are checked only for executions that would be compiled: the first ones need no second coercion.
        if (count < COMPILE_ON_EXECUTION || !compilesAlike(args.schema, operation, args.variableValues ?? {})) return false
        if (!compiled.has(document)) {
          compiled.add(document) // graphql-jit compiles it now, on its first enabled execution
          apiMetrics.compiledQueries.inc()
        }
        compiledRuns.add(args)
        return true
      },
      // As graphql-js would, for the same reasons (say, an operation name the document does not hold): the answer.
      onError: (result) => logger.debug({ errors: result.errors }, 'a query could not be compiled'),
    },
  )
  const onExecute: ExecuteHook = (payload) => {
    void jit.onExecute!(payload) // synchronous: enableIf is
    const { args } = payload
    if (!compiledRuns.has(args)) return
    return {
      onExecuteDone({ result }) {
        if (!('errors' in result)) return
        for (const error of result.errors ?? []) locateAgain(error, args.document, args.operationName)
      },
    }
  }
  return { ...jit, onExecute }
}

/**
 * Whether graphql-jit takes these variables as graphql-js does. It answers variables that do not coerce with
 * other messages and an HTTP 200 where graphql-js makes a request error (400), and it refuses an omitted
 * variable that has a default when its type is non-null: such executions stay on graphql-js.
 */
function compilesAlike(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): boolean {
  const definitions = operation.variableDefinitions ?? []
  if (definitions.some((d) => d.defaultValue && !(d.variable.name.value in variables))) return false
  return !getVariableValues(schema, definitions, variables, { maxErrors: 1 }).errors
}

/**
 * A compiled query's error has its path and locations but not the field nodes, from which yoga reports its
 * locations: they are found again by the path, and set on the error itself (an object of this execution).
 */
function locateAgain(error: GraphQLError, document: DocumentNode, operationName: string | null | undefined): void {
  if (error.nodes || !error.path) return
  const nodes = fieldNodesAt(document, operationName, error.path)
  if (nodes.length > 0) Object.defineProperty(error, 'nodes', { value: nodes })
}

/** The field nodes a response path names (list indices skipped), through fragments as graphql-js collects them. */
function fieldNodesAt(document: DocumentNode, operationName: string | null | undefined, path: readonly (string | number)[]): FieldNode[] {
  const operation = getOperationAST(document, operationName)
  if (!operation) return []
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  )
  let sets: SelectionSetNode[] = [operation.selectionSet]
  let nodes: FieldNode[] = []
  for (const key of path) {
    if (typeof key === 'number') continue
    nodes = sets.flatMap((set) => fieldsNamed(set, key, fragments, new Set()))
    sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []))
  }
  return nodes
}

function fieldsNamed(set: SelectionSetNode, key: string, fragments: Map<string, FragmentDefinitionNode>, spread: Set<string>): FieldNode[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return (selection.alias ?? selection.name).value === key ? [selection] : []
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsNamed(selection.selectionSet, key, fragments, spread)
    const fragment = fragments.get(selection.name.value)
    if (!fragment || spread.has(fragment.name.value)) return []
    return fieldsNamed(fragment.selectionSet, key, fragments, new Set([...spread, fragment.name.value]))
  })
}
