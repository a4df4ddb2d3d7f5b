import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecretKey, parseSecretKey, type SecretKey } from '@berth/auth';

/** The configured key, or the one kept beside the data (made on first start, mode 0600). */
export const loadSecretKey = (configured: string | undefined, dataDir: string): SecretKey => {
  if (configured !== undefined) return parseSecretKey(configured);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, generateSecretKey(), { mode: 0o600, flag: 'wx' });
  return parseSecretKey(readFileSync(file, 'utf8').trim());
};
