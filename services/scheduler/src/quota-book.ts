import {
  NO_LIMITS_SET,
  quotaOf,
  type AccountEvent,
  type Quota,
  type QuotaDefaults,
  type QuotaLimits,
  type RecordedEvent,
  type Role,
} from '@berth/contracts';

/** The account events the book follows. */
export const QUOTA_TYPES = ['AccountAdded', 'AccountDeleted', 'AccountQuotaSet'];

/**
 * Each account's role and the quota an admin set, folded from the log, so the scheduler can
 * tell the quota in force for a group's owner without asking another service.
 */
export class QuotaBook {
  private readonly accounts = new Map<string, { role: Role; limits: QuotaLimits }>();

  constructor(private readonly defaults: QuotaDefaults) {}

  apply(recorded: RecordedEvent): void {
    const event = recorded as unknown as AccountEvent;
    switch (event.type) {
      case 'AccountAdded':
        this.accounts.set(keyOf(event.data.username), {
          role: event.data.role,
          limits: NO_LIMITS_SET,
        });
        return;
      case 'AccountDeleted':
        this.accounts.delete(keyOf(event.data.username));
        return;
      case 'AccountQuotaSet': {
        const account = this.accounts.get(keyOf(event.data.username));
        if (account !== undefined) account.limits = event.data.limits;
        return;
      }
      default:
        return;
    }
  }

  /**
   * The quota in force for `owner`. An owner without an active account (deleted, or groups
   * from before owners were recorded) is held to a user's defaults.
   */
  quotaOf = (owner: string): Quota => {
    const account = this.accounts.get(keyOf(owner)) ?? { role: 'user', limits: NO_LIMITS_SET };
    return quotaOf(account.limits, account.role, this.defaults);
  };
}

// Usernames are unique regardless of case (see accountStream).
const keyOf = (username: string) => username.toLowerCase();
