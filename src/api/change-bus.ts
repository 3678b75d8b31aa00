/** What the projection's triggers announce, by topic: ids only, the rows are loaded by whoever listens. */
export interface InferenceChange {
  id: string
  model: string
  agent: string
}

export interface EarningsChange {
  id: string
  contributor: string
  epoch: number
}

export interface RollbackChange {
  fromBlock: number
  toBlock: number
  events: number
}

export type ChangeTopics = {
  inference: [InferenceChange]
  earnings: [EarningsChange]
  epochClosed: [{ id: string }]
  rollback: [RollbackChange]
}

/** Changes a subscriber may fall behind by before its subscription ends with an error. */
export const SUBSCRIBER_BUFFER = 10_000

type Listener = (change: never) => void

/**
 * A local pub/sub. A subscription listens from the moment it is made (not from its first read), so a change
 * committed after a client's subscription was accepted reaches it; and each subscriber queues on its own,
 * because one projector transaction can commit thousands of changes at once.
 */
export class ChangeBus {
  private readonly listeners = new Map<keyof ChangeTopics, Set<Listener>>()

  publish<K extends keyof ChangeTopics>(topic: K, change: ChangeTopics[K][0]): void {
    for (const listener of this.listeners.get(topic) ?? []) listener(change as never)
  }

  subscribe<K extends keyof ChangeTopics>(topic: K): AsyncIterableIterator<ChangeTopics[K][0]> {
    type Change = ChangeTopics[K][0]
    const queue: Change[] = []
    let waiting: ((result: IteratorResult<Change>) => void) | undefined
    let failure: Error | undefined
    let done = false
    let set = this.listeners.get(topic)
    if (!set) this.listeners.set(topic, (set = new Set()))
    const listeners = set
    const finish = () => {
      done = true
      listeners.delete(listener as Listener)
      waiting?.({ value: undefined, done: true })
      waiting = undefined
    }
    const listener = (change: Change) => {
      if (waiting) {
        const resolve = waiting
        waiting = undefined
        resolve({ value: change, done: false })
      } else if (queue.length < SUBSCRIBER_BUFFER) {
        queue.push(change)
      } else {
        queue.length = 0
        failure = new Error(`subscriber fell more than ${SUBSCRIBER_BUFFER} changes behind`)
        finish()
      }
    }
    listeners.add(listener as Listener)
    return {
      next() {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false })
        if (failure) return Promise.reject(failure)
        if (done) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => (waiting = resolve))
      },
      return() {
        queue.length = 0
        finish()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
}
