import {
  NO_LIMITS_SET,
  type Account,
  type AccountEvent,
  type QuotaLimits,
  type Session,
} from '@berth/contracts';

/** Accounts without secrets, the quotas admins set, and live sessions by token hash. */
export class AccountsProjection {
  private readonly byId = new Map<string, Account>();
  private readonly limits = new Map<string, QuotaLimits>();
  private readonly sessions = new Map<string, { accountId: string; expiresAt: string }>();
  // Token hashes by account, so ending an account's sessions does not scan everyone's.
  private readonly sessionsOf = new Map<string, Set<string>>();

  apply(event: AccountEvent): void {
    switch (event.type) {
      case 'AccountAdded': {
        const { accountId, username, role } = event.data;
        this.byId.set(accountId, { id: accountId, username, role });
        return;
      }
      case 'AccountPasswordSet':
        // A new password ends every session the old one opened.
        this.revokeSessions(event.data.accountId);
        return;
      case 'AccountDeleted':
        this.byId.delete(event.data.accountId);
        this.limits.delete(event.data.accountId);
        this.revokeSessions(event.data.accountId);
        return;
      case 'SessionStarted': {
        const { tokenHash, accountId, expiresAt } = event.data;
        this.sessions.set(tokenHash, { accountId, expiresAt });
        const mine = this.sessionsOf.get(accountId) ?? new Set<string>();
        this.sessionsOf.set(accountId, mine.add(tokenHash));
        return;
      }
      case 'SessionEnded':
        this.endSession(event.data.tokenHash);
        return;
      case 'LoginFailed':
      case 'LoginFailuresSummarized':
      case 'AdminRemoved':
        return;
      case 'AccountQuotaSet':
        this.limits.set(event.data.accountId, event.data.limits);
        return;
      default:
        return exhaustive(event);
    }
  }

  list(): Account[] {
    return [...this.byId.values()].sort((a, b) => a.username.localeCompare(b.username));
  }

  find(idOrUsername: string): Account | undefined {
    const lower = idOrUsername.toLowerCase();
    return (
      this.byId.get(idOrUsername) ?? this.list().find((a) => a.username.toLowerCase() === lower)
    );
  }

  /** The quota limits an admin set for the account (null fields: its role's default). */
  limitsOf(accountId: string): QuotaLimits {
    return this.limits.get(accountId) ?? NO_LIMITS_SET;
  }

  /** The session a token hash opens, if it exists and has not expired at `now`. */
  session(tokenHash: string, now: Date): Session | undefined {
    const session = this.sessions.get(tokenHash);
    const account = session && this.byId.get(session.accountId);
    if (session === undefined || account === undefined) return undefined;
    if (new Date(session.expiresAt) <= now) return undefined;
    return {
      accountId: account.id,
      username: account.username,
      role: account.role,
      expiresAt: session.expiresAt,
    };
  }

  /** Everything this projection holds, in a stable order (for replay comparison). */
  snapshot() {
    const sessions = [...this.sessions.entries()].sort(([a], [b]) => a.localeCompare(b));
    const quotas = [...this.limits.entries()].sort(([a], [b]) => a.localeCompare(b));
    return {
      accounts: this.list(),
      quotas: quotas.map(([accountId, limits]) => ({ accountId, limits })),
      sessions: sessions.map(([tokenHash, s]) => ({ tokenHash, ...s })),
    };
  }

  /** Forgets sessions that expired by `now` (an event's time, so replays prune alike). */
  pruneExpired(now: string): void {
    for (const [hash, session] of this.sessions)
      if (session.expiresAt <= now) this.endSession(hash);
  }

  /** Loads what `snapshot()` returned. */
  restore(snapshot: Snapshot): void {
    for (const account of snapshot.accounts) this.byId.set(account.id, account);
    for (const { accountId, limits } of snapshot.quotas ?? []) this.limits.set(accountId, limits);
    for (const { tokenHash, accountId, expiresAt } of snapshot.sessions) {
      this.sessions.set(tokenHash, { accountId, expiresAt });
      this.sessionsOf.set(
        accountId,
        (this.sessionsOf.get(accountId) ?? new Set<string>()).add(tokenHash),
      );
    }
  }

  private endSession(tokenHash: string) {
    const session = this.sessions.get(tokenHash);
    if (session === undefined) return;
    this.sessions.delete(tokenHash);
    this.sessionsOf.get(session.accountId)?.delete(tokenHash);
  }

  private revokeSessions(accountId: string) {
    for (const hash of this.sessionsOf.get(accountId) ?? []) this.sessions.delete(hash);
    this.sessionsOf.delete(accountId);
  }
}

// Checkpoints saved before quotas existed have none.
type Snapshot = Omit<ReturnType<AccountsProjection['snapshot']>, 'quotas'> &
  Partial<Pick<ReturnType<AccountsProjection['snapshot']>, 'quotas'>>;

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
