import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets that must live in the log (an engine's TLS key) are sealed with AES-256-GCM under the
 * cluster's secret key, which is never in the log: a copy of the log alone reveals nothing.
 */
export type SecretKey = Buffer;

const VERSION = 'v1';

export const parseSecretKey = (base64: string): SecretKey => {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes, base64-encoded');
  return key;
};

export const generateSecretKey = (): string => randomBytes(32).toString('base64');

export const sealSecret = (key: SecretKey, plaintext: string): string => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
};

export const openSecret = (key: SecretKey, sealed: string): string => {
  const [version, payload] = sealed.split('.');
  if (version !== VERSION || payload === undefined) throw new Error('not a sealed secret');
  const bytes = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
};
