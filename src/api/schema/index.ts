import { analyticsTypeDefs } from './analytics.graphql.js'
import { commonTypeDefs } from './common.graphql.js'
import { graphTypeDefs } from './graph.graphql.js'
import { rootTypeDefs } from './root.graphql.js'
import { settlementTypeDefs } from './settlement.graphql.js'

/** The API's SDL, one module per part of the graph. */
export const typeDefs = [commonTypeDefs, graphTypeDefs, settlementTypeDefs, analyticsTypeDefs, rootTypeDefs]
