import type { Config } from '../config.js'
import type { TopicSpec } from './log.js'

/** Usage records are keyed by model id over this many partitions; one partition per chain keeps block order. */
export const USAGE_PARTITIONS = 4

export function pipelineTopics(config: Config): TopicSpec[] {
  return [
    { name: config.topics.chain(config.chain.chainId), partitions: 1 },
    { name: config.topics.usage, partitions: USAGE_PARTITIONS },
    { name: config.topics.deadLetter, partitions: 1 },
  ]
}
