import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql'
import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
} from './graphql.js'
import { DEFAULT_PAGE_SIZE } from './connection.js'

/**
 * The estimated cost of an operation, before it runs: each field returning objects costs 1 (or its @cost
 * weight), scalars cost 0, and a list multiplies the cost of its selection by the rows it may return (its
 * first, last or maxEdges argument; a connection without one, the default page size). The wrappers of a
 * connection (edges, node, nodes, pageInfo) are free: the connection field already paid for its rows.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0]
  const root = operation && schema.getRootType(operation.operation)
  if (!operation || !root) return 0
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {})
  if (coerced.errors) return 0 // execution reports the variables' errors itself
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  )
  return selectionCost(schema, root, operation.selectionSet, { fragments, variables: coerced.coerced, visiting: new Set() })
}

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>
  variables: Record<string, unknown>
  visiting: Set<string>
}

/**
 * `pageRows` is the page size of the connection whose wrapper `parent` is: its edges and nodes multiply their
 * selection by it, while its totalCount and pageInfo are paid once.
 */
function selectionCost(schema: GraphQLSchema, parent: GraphQLCompositeType, selectionSet: SelectionSetNode, walk: Walk, pageRows = 1): number {
  let total = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue // __typename and introspection
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined
      if (!field) continue
      const named = getNamedType(field.type)
      const own = ownCost(parent, field)
      if (!selection.selectionSet || !isCompositeType(named)) {
        total += own
      } else if (isWrapper(parent)) {
        // edges and nodes hold the page's rows; node and pageInfo are one each
        total += own + (isList(field.type) ? pageRows : 1) * selectionCost(schema, named, selection.selectionSet, walk)
      } else if (isWrapper(named)) {
        const rows = rowsOf(field, argumentsOf(field, selection, walk.variables))
        total += own + rows * perRowCost(field) + selectionCost(schema, named, selection.selectionSet, walk, rows)
      } else {
        const rows = rowsOf(field, argumentsOf(field, selection, walk.variables))
        total += own + rows * (perRowCost(field) + selectionCost(schema, named, selection.selectionSet, walk))
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent
      if (type && isCompositeType(type)) total += selectionCost(schema, type, selection.selectionSet, walk, pageRows)
    } else {
      const name = selection.name.value
      const fragment = walk.fragments.get(name)
      if (!fragment || walk.visiting.has(name)) continue // a cycle fails validation anyway
      const type = schema.getType(fragment.typeCondition.name.value)
      if (!type || !isCompositeType(type)) continue
      walk.visiting.add(name)
      total += selectionCost(schema, type, fragment.selectionSet, walk, pageRows)
      walk.visiting.delete(name)
    }
  }
  return total
}

/** A connection, an edge of one, or PageInfo: recognised by shape (AttributionEdge is an entity, not a wrapper). */
function isWrapper(type: GraphQLCompositeType): boolean {
  if (!isObjectType(type)) return false
  const fields = type.getFields()
  return type.name === 'PageInfo' || ('pageInfo' in fields && 'edges' in fields) || ('cursor' in fields && 'node' in fields)
}

function costArgument(field: GraphQLField<unknown, unknown>, name: 'weight' | 'perRow'): number | undefined {
  const directive = field.astNode?.directives?.find((d) => d.name.value === 'cost')
  const value = directive?.arguments?.find((a) => a.name.value === name)?.value
  return value?.kind === Kind.INT ? Number(value.value) : undefined
}

function ownCost(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): number {
  const weight = costArgument(field, 'weight')
  if (weight !== undefined) return weight
  if (isWrapper(parent)) return 0
  return isCompositeType(getNamedType(field.type)) ? 1 : 0
}

/** What each row a field may return costs beyond its selection (@cost's perRow; 0 when it has none). */
function perRowCost(field: GraphQLField<unknown, unknown>): number {
  return costArgument(field, 'perRow') ?? 0
}

function argumentsOf(field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Record<string, unknown>) {
  try {
    return getArgumentValues(field, node, variables)
  } catch {
    return {} // invalid arguments fail validation or execution with their own error
  }
}

/**
 * Rows a field may return: its first, last or maxEdges; a connection without them, the default page size.
 * Other lists are bounded by their parent's arguments (a lineage's nodes by its maxEdges) or small (proofs,
 * signed attributions).
 */
function rowsOf(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  for (const name of ['first', 'last', 'maxEdges']) {
    if (typeof args[name] === 'number') return Math.max(1, args[name] as number)
  }
  return isWrapper(getNamedType(field.type) as GraphQLCompositeType) ? DEFAULT_PAGE_SIZE : 1
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type)
}
