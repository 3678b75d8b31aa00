/**
 * The graphql-js values the API uses, from the CommonJS build that graphql-yoga and graphql-ws load (graphql 16
 * has no "exports" map: Node resolves the bare name to index.js, while bundler-style resolvers such as vitest's
 * pick index.mjs). One realm for all: graphql-js refuses types and errors from another copy of itself.
 */
export {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLScalarType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
} from 'graphql/index.js'
