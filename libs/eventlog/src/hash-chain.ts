import { createHmac } from 'node:crypto';
import type { RecordedEvent } from '@berth/contracts';

/** The hash the first event chains to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The key the chain is made with. It is derived from the cluster's secret key and never stored
 * in the log, so whoever can write the store cannot recompute a chain that verifies.
 */
export type ChainKey = { readonly hmac: Buffer };

/** Derives the chain key from the cluster's secret key (a separate key for a separate use). */
export const chainKey = (secretKey: Uint8Array): ChainKey => ({
  hmac: createHmac('sha256', secretKey).update('berth event log hash chain v1').digest(),
});

/** JSON with object keys sorted, so equal values hash equally whatever store held them. */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value));

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return sortKeys(json.call(value));
  const source = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    if (source[key] !== undefined) sorted[key] = sortKeys(source[key]);
  }
  return sorted;
};

type Hashable = Omit<RecordedEvent, 'hash' | 'data'>;

/** HMAC-SHA256 over the previous hash, every envelope field and the canonical data. */
export const eventHash = (
  key: ChainKey,
  previousHash: string,
  event: Hashable,
  canonicalData: string,
): string => {
  const { metadata: m } = event;
  const envelope = [
    event.position,
    event.id,
    event.stream,
    event.version,
    event.type,
    event.v,
    event.at,
    m.actor,
    m.commandId,
    m.correlationId,
    m.causationId,
  ];
  return createHmac('sha256', key.hmac)
    .update(previousHash)
    .update('\n')
    .update(JSON.stringify(envelope))
    .update('\n')
    .update(canonicalData)
    .digest('hex');
};
