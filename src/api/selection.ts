import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql'
import { Kind } from './graphql.js'

/** The fields selected under some field nodes, by response-independent name (aliases merged), fragments expanded. */
export type Subfields = Map<string, FieldNode[]>

/**
 * Looking ahead at what an operation asks below a field, so a resolver can join what will be needed into its
 * own statement, or skip a statement whose answer it already holds. Directives (@include/@skip) are ignored:
 * a field they drop is at worst fetched for nothing.
 */
export function subfields(info: Pick<GraphQLResolveInfo, 'fragments'>, nodes: readonly FieldNode[]): Subfields {
  const fields: Subfields = new Map()
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value
        fields.set(name, [...(fields.get(name) ?? []), selection])
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen)
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value)
        visit(info.fragments[selection.name.value]?.selectionSet, seen)
      }
    }
  }
  for (const node of nodes) visit(node.selectionSet, new Set())
  return fields
}

/** The fields selected on a connection's rows: under `nodes` and under `edges { node }`. */
export function connectionRowFields(info: Pick<GraphQLResolveInfo, 'fragments'>, connection: readonly FieldNode[]): Subfields {
  const top = subfields(info, connection)
  const edgeFields = subfields(info, top.get('edges') ?? [])
  return subfields(info, [...(top.get('nodes') ?? []), ...(edgeFields.get('node') ?? [])])
}

/** Whether the selection holds nothing a row's id alone cannot answer. */
export function onlyId(fields: Subfields): boolean {
  for (const name of fields.keys()) if (name !== 'id' && name !== '__typename') return false
  return true
}
