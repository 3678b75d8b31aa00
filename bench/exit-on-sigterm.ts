/**
 * Preloaded (`node --import`) into a profiled `attrib project` or `attrib ingest-usage`: neither has a SIGTERM handler, and node
 * writes a --cpu-prof profile only when the process exits by itself.
 */
process.once('SIGTERM', () => process.exit(0))
