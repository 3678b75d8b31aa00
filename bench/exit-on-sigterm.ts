/**
 * Preloaded (`node --import`) into a profiled projector: `attrib project` has no SIGTERM handler, and node
 * writes a --cpu-prof profile only when the process exits by itself.
 */
process.once('SIGTERM', () => process.exit(0))
