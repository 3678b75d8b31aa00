import { graphEntities } from './graph.js'
import { settlementEntities } from './settlement.js'

export type { EntitySpec } from './spec.js'

/** Every listable entity by its GraphQL type name. */
export const entities = { ...graphEntities, ...settlementEntities }

export type EntityName = keyof typeof entities
