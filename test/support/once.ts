/**
 * A barrier several tests of a file share: the first test to need it starts it, the others await the same run,
 * so each test waits for the state it asserts on whatever order the tests run in (`--sequence.shuffle`).
 */
export function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined
  return () => (started ??= start())
}
