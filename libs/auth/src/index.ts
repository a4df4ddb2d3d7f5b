import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt cost: N=2^14, r=8, p=1 (about 50 ms and 16 MB here), the common interactive setting.
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

/** "scrypt$N$r$p$salt$key" with a fresh 16-byte salt; the parameters travel with the hash. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
};

// Checked against when the account does not exist, so both answers take the same time.
const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/** Constant-time check; an unknown account (`hash` undefined) costs the same and fails. */
export const verifyPassword = async (
  password: string,
  hash: string | undefined,
): Promise<boolean> => {
  const [scheme, n, r, p, salt, key] = (hash ?? DUMMY_HASH).split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return (
    hash !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
  );
};

/** A new access token: 256 random bits, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** What the log keeps of a token: its sha256, so a leaked log cannot be used to log in. */
export const tokenHash = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/** A password for the first admin when none is configured: 144 random bits. */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
export {
  generateSecretKey,
  openSecret,
  parseSecretKey,
  sealSecret,
  type SecretKey,
} from './secrets.js';
export { hasValidJoinProof, isJoinToken, joinProof, joinToken } from './join.js';
