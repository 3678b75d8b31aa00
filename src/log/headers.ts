/** Record headers the pipeline sets on chain-topic records. */
export const TYPE_HEADER = 'type'
/** "true" on events the ingester published as part of final blocks: they can never be orphaned. */
export const FINAL_HEADER = 'final'
