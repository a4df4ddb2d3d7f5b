import type { CommandReply } from '@berth/contracts';

/**
 * Remembers the reply to each recent commandId, and shares the one in progress, so a retry
 * that reaches the same instance answers the first outcome without running again. Retries that
 * reach another instance are caught by the handler's own check against the event log.
 */
export class OutcomeCache {
  private readonly done = new Map<string, CommandReply>();
  private readonly running = new Map<string, Promise<CommandReply>>();

  constructor(private readonly capacity = 10_000) {}

  run(commandId: string, work: () => Promise<CommandReply>): Promise<CommandReply> {
    const known = this.done.get(commandId);
    if (known !== undefined) return Promise.resolve(known);
    const inFlight = this.running.get(commandId);
    if (inFlight !== undefined) return inFlight;
    const promise = work().then((reply) => {
      this.running.delete(commandId);
      this.remember(commandId, reply);
      return reply;
    });
    this.running.set(commandId, promise);
    return promise;
  }

  private remember(commandId: string, reply: CommandReply) {
    // Only outcomes that cannot change on a retry are kept; "unavailable" may succeed later.
    if (!reply.ok && ['unavailable', 'timeout', 'internal'].includes(reply.error.code)) return;
    this.done.set(commandId, reply);
    if (this.done.size > this.capacity) {
      const oldest = this.done.keys().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}
