import type { AuditEvent } from '@berth/contracts';
import type { EventLog, Subscription } from '@berth/eventlog';

const OWNERSHIP_EVENTS = ['GroupCreated', 'ContainerPlaced'];
const WAIT_STEP_MS = 20;
const WAIT_LIMIT_MS = 2000;

/**
 * Who owns each group and which group each container is in, followed from the log by one
 * subscription per API instance: what the change stream needs to show a user only its own
 * work. A container's placement precedes every event about it, so an owner not known yet is
 * known within moments; `settle` waits for that.
 */
export class OwnerIndex {
  private readonly groups = new Map<string, string>();
  private readonly containerGroups = new Map<string, string>();
  private readonly subscription: Subscription;

  constructor(log: EventLog) {
    this.subscription = log.subscribe(1, { filter: { types: OWNERSHIP_EVENTS } });
    void this.follow();
  }

  /** The account owning what an event is about, if the index knows it. */
  ownerOf = (refs: AuditEvent['refs']): string | undefined => {
    const group = refs.group ?? this.containerGroups.get(refs.container ?? '');
    return group === undefined ? undefined : this.groups.get(group);
  };

  /** Resolves once the owner of every event given is known (or after a bounded wait). */
  async settle(events: readonly Pick<AuditEvent, 'refs'>[]): Promise<void> {
    const unknown = () =>
      events.some(
        ({ refs }) =>
          (refs.group !== undefined || refs.container !== undefined) &&
          this.ownerOf(refs) === undefined,
      );
    for (let waited = 0; unknown() && waited < WAIT_LIMIT_MS; waited += WAIT_STEP_MS)
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }

  close() {
    this.subscription.close();
  }

  private async follow() {
    for await (const event of this.subscription) {
      const data = event.data as { group: string; container?: string; owner?: string };
      if (event.type === 'GroupCreated') this.groups.set(data.group, data.owner ?? '');
      else if (data.container !== undefined) this.containerGroups.set(data.container, data.group);
    }
  }
}
