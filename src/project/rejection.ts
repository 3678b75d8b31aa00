/**
 * Thrown by a projection when an event is well-formed but cannot be applied (e.g. a fee split that does not sum
 * to 10000, a contribution to an unknown datanet). The projector dead-letters the event with `reason` and
 * carries on; any other error stops the batch so it is retried.
 */
export class RejectedEvent extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail)
    this.name = 'RejectedEvent'
  }
}
