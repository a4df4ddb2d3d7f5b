import { z } from 'zod';
import { Name } from './ids.js';
import { commandSchema } from './messages.js';
import { AccountQuota, QuotaLimits } from './quotas.js';

export const Role = z.enum(['admin', 'user']);
export type Role = z.infer<typeof Role>;

export const Username = Name;

// Bounded above so a huge password cannot make hashing expensive.
export const Password = z
  .string()
  .min(8, 'at least 8 characters')
  .max(256, 'at most 256 characters');

/** Where a login came from, for the audit log and rate limits. */
export const Source = z.string().max(128);

// --- HTTP bodies ---------------------------------------------------------------------------
export const LoginBody = z.strictObject({
  username: Username,
  password: z.string().max(256),
});
export const AddAccountBody = z.strictObject({
  username: Username,
  password: Password,
  role: Role,
});
export const ChangePasswordBody = z.strictObject({
  oldPassword: z.string().max(256),
  newPassword: Password,
});

// --- What clients read ---------------------------------------------------------------------
export const Account = z.object({ id: z.string(), username: z.string(), role: Role });
export type Account = z.infer<typeof Account>;
/** One account as `GET /api/accounts/:username` and `GET /api/me` show it. */
export const AccountWithQuota = Account.extend(AccountQuota.shape);
export type AccountWithQuota = z.infer<typeof AccountWithQuota>;
export const LoginResult = z.object({ token: z.string(), expiresAt: z.iso.datetime() });

// --- Commands (account service) ------------------------------------------------------------
// Passwords travel only inside commands, to the service that hashes or checks them.
export const AddAccount = commandSchema(
  'AddAccount',
  z.strictObject({ accountId: z.string(), username: Username, password: Password, role: Role }),
);
export const DeleteAccount = commandSchema('DeleteAccount', z.strictObject({ username: Username }));
export const ChangePassword = commandSchema(
  'ChangePassword',
  z.strictObject({ username: Username, oldPassword: z.string().max(256), newPassword: Password }),
);
/** The api makes the token and sends it here; only its hash is ever stored. */
export const Login = commandSchema(
  'Login',
  z.strictObject({
    username: Username,
    password: z.string().max(256),
    source: Source,
    token: z.string().min(32).max(128),
    expiresAt: z.iso.datetime(),
  }),
);
/** Ends the one session of this token (its sha256); the api checked it is `username`'s. */
export const Logout = commandSchema(
  'Logout',
  z.strictObject({ username: Username, tokenHash: z.string().length(64) }),
);
export type AddAccount = z.infer<typeof AddAccount>;
export type DeleteAccount = z.infer<typeof DeleteAccount>;
export type ChangePassword = z.infer<typeof ChangePassword>;
export type Login = z.infer<typeof Login>;
export type Logout = z.infer<typeof Logout>;

// --- Events --------------------------------------------------------------------------------
export const AccountEvents = {
  AccountAdded: z.object({ accountId: z.string(), username: z.string(), role: Role }),
  /** `hash` is "scrypt$N$r$p$salt$key"; it is never returned by any route. */
  AccountPasswordSet: z.object({ accountId: z.string(), hash: z.string() }),
  AccountDeleted: z.object({ accountId: z.string(), username: z.string() }),
  /** A login; only the sha256 of its token is kept. */
  SessionStarted: z.object({
    accountId: z.string(),
    tokenHash: z.string(),
    expiresAt: z.iso.datetime(),
    source: Source,
  }),
  /** A logout: this one token no longer opens a session; the account's others still do. */
  SessionEnded: z.object({ accountId: z.string(), tokenHash: z.string() }),
  /** A failed login as an existing account; unknown usernames are only counted (below). */
  LoginFailed: z.object({ username: z.string(), source: Source, reason: z.string() }),
  /** Failed logins as usernames that do not exist, counted over a minute: one event for all. */
  LoginFailuresSummarized: z.object({
    count: z.number().int().positive(),
    since: z.iso.datetime(),
    until: z.iso.datetime(),
  }),
  /**
   * In the `admins` stream, before an admin's `AccountDeleted`: appended at the stream's
   * version, so two removals at once cannot both leave "another admin".
   */
  AdminRemoved: z.object({ accountId: z.string(), username: z.string() }),
  /** An admin set the account's quota; it replaces the one before (null: the default). */
  AccountQuotaSet: z.object({ accountId: z.string(), username: z.string(), limits: QuotaLimits }),
} as const;

export type AccountEvent = {
  [K in keyof typeof AccountEvents]: { type: K; data: z.infer<(typeof AccountEvents)[K]> };
}[keyof typeof AccountEvents];

/** Streams: one per username (so uniqueness is an expected-version check), one for failures. */
export const accountStream = (username: string) => `account-${username.toLowerCase()}`;
export const LOGIN_FAILURES_STREAM = 'login-failures';
/** The removals of admins, one version guarding "at least one admin stays". */
export const ADMINS_STREAM = 'admins';
/**
 * One stream per minute (`2026-12-02T19:48`) for the summary of unknown-username failures:
 * appended at version 0, so there is at most one summary a minute whatever the instances.
 */
export const unknownLoginsStream = (minute: string) => `${LOGIN_FAILURES_STREAM}-unknown-${minute}`;
