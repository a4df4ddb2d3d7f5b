import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EventLog } from '@berth/eventlog';
import type { ReadModelSnapshot } from './read-model.js';

/** A saved read model and the hash of the last event in it, to know it belongs to this log. */
type Checkpoint = { hash: string; snapshot: ReadModelSnapshot };

/** Writes atomically (temp file, then rename), so a crash leaves the old or the new one. */
export const saveCheckpoint = (file: string, snapshot: ReadModelSnapshot, hash: string) => {
  writeFileSync(`${file}.tmp`, JSON.stringify({ hash, snapshot } satisfies Checkpoint), {
    mode: 0o600,
  });
  renameSync(`${file}.tmp`, file);
};

/**
 * The saved model, if there is one and its last event is still in the log with the same hash;
 * anything else (no file, a damaged one, another log's) means rebuilding from position 1.
 */
export const loadCheckpoint = async (
  file: string,
  log: EventLog,
): Promise<ReadModelSnapshot | undefined> => {
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
  const position = checkpoint.snapshot?.position ?? 0;
  if (position === 0) return undefined;
  const [event] = await log.readAll(position, { limit: 1 });
  return event?.position === position && event.hash === checkpoint.hash
    ? checkpoint.snapshot
    : undefined;
};
