import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretKey } from './secrets.js';

/**
 * The engine join token: what an agent must present to become an engine. It is derived from the
 * cluster's secret key, so every instance agrees on it without storing it anywhere; a new secret
 * key makes a new token (and makes every agent join again).
 */
export const joinToken = (key: SecretKey): string =>
  `berth-join-${createHmac('sha256', key).update('berth engine join token v1').digest('base64url')}`;

/**
 * What a registration in etcd carries instead of the token itself: an HMAC of the engine's id
 * and address under the token. The token never lands in etcd, and a proof made for one engine
 * does not fit another.
 */
export const joinProof = (token: string, engine: { id: string; addr: string }): string =>
  createHmac('sha256', token).update(`${engine.id}\n${engine.addr}`).digest('base64url');

const sameText = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Whether `token` is this cluster's join token (compared in constant time). */
export const isJoinToken = (key: SecretKey, token: string) => sameText(token, joinToken(key));

/** Whether a registration's proof was made with this cluster's join token. */
export const hasValidJoinProof = (
  key: SecretKey,
  registration: { id: string; addr: string; proof?: string | undefined },
) =>
  registration.proof !== undefined &&
  sameText(registration.proof, joinProof(joinToken(key), registration));
