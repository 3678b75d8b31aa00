import type { ChangeBus } from '../change-bus.js'
import { connectionResolvers } from '../connection.js'
import { entities } from '../entities/index.js'
import { BigIntScalar, DateTimeScalar } from '../scalars.js'
import { entityFieldResolvers } from './entity-fields.js'
import { analyticsResolvers, queryResolvers } from './query.js'
import { subscriptionResolvers } from './subscription.js'

export function createResolvers(bus: ChangeBus) {
  return {
    BigInt: BigIntScalar,
    DateTime: DateTimeScalar,
    Query: queryResolvers(),
    Subscription: subscriptionResolvers(bus),
    ...entityFieldResolvers(),
    ...analyticsResolvers(),
    ...connectionResolvers(Object.keys(entities)),
  }
}
