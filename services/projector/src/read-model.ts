import type { AccountEvent, RecordedEvent } from '@berth/contracts';
import { AccountsProjection } from './projections/accounts.js';

const ACCOUNT_EVENTS = new Set([
  'AccountAdded',
  'AccountPasswordSet',
  'AccountDeleted',
  'SessionStarted',
  'LoginFailed',
]);

/** The current cluster state folded from the log, and how far into the log it is. */
export class ReadModel {
  position = 0;
  readonly accounts = new AccountsProjection();
  private waiters: { position: number; resolve: () => void }[] = [];

  apply(event: RecordedEvent): void {
    if (ACCOUNT_EVENTS.has(event.type)) this.accounts.apply(event as unknown as AccountEvent);
    this.position = event.position;
    if (this.waiters.length > 0) this.wakeWaiters();
  }

  /** Resolves true once the model has applied `position`, false after `timeoutMs`. */
  reached(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(true) };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  private wakeWaiters() {
    const ready = this.waiters.filter((w) => w.position <= this.position);
    this.waiters = this.waiters.filter((w) => w.position > this.position);
    for (const w of ready) w.resolve();
  }
}
