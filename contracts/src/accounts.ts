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
export type AddAccount = z.infer<typeof AddAccount>;
export type DeleteAccount = z.infer<typeof DeleteAccount>;
export type ChangePassword = z.infer<typeof ChangePassword>;
export type Login = z.infer<typeof Login>;

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
  LoginFailed: z.object({ username: z.string(), source: Source, reason: z.string() }),
  /** An admin set the account's quota; it replaces the one before (null: the default). */
  AccountQuotaSet: z.object({ accountId: z.string(), username: z.string(), limits: QuotaLimits }),
} as const;

export type AccountEvent = {
  [K in keyof typeof AccountEvents]: { type: K; data: z.infer<(typeof AccountEvents)[K]> };
}[keyof typeof AccountEvents];

/** Streams: one per username (so uniqueness is an expected-version check), one for failures. */
export const accountStream = (username: string) => `account-${username.toLowerCase()}`;
export const LOGIN_FAILURES_STREAM = 'login-failures';
