import { performance } from 'node:perf_hooks';
import type { EventLog } from '@berth/eventlog';
import { ReadModel } from './read-model.js';

/** Builds a fresh read model from position 1 up to `upTo` (everything when omitted). */
export const replay = async (log: EventLog, upTo = Number.MAX_SAFE_INTEGER) => {
  const model = new ReadModel();
  const started = performance.now();
  let from = 1;
  for (;;) {
    const page = await log.readAll(from, { limit: 10_000 });
    for (const event of page) {
      if (event.position > upTo) return { model, ms: performance.now() - started };
      model.apply(event);
    }
    const last = page[page.length - 1];
    if (last === undefined) return { model, ms: performance.now() - started };
    from = last.position + 1;
  }
};

/** Paths at which two plain values differ (at most `limit` of them). */
export const differences = (a: unknown, b: unknown, path = '', limit = 20): string[] => {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const objects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
  if (!objects) return [path || '(root)'];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const found: string[] = [];
  for (const key of keys) {
    if (found.length >= limit) break;
    const left = (a as Record<string, unknown>)[key];
    const right = (b as Record<string, unknown>)[key];
    found.push(...differences(left, right, path ? `${path}.${key}` : key, limit - found.length));
  }
  return found;
};

/** Replays into a fresh model up to where the live one is and compares them field by field. */
export const replayAndCompare = async (log: EventLog, live: ReadModel) => {
  const expected = live.snapshot(); // taken at once, so both stop at the same position
  const { model, ms } = await replay(log, expected.position);
  const diff = differences(expected, model.snapshot());
  return {
    position: expected.position,
    events: model.position,
    ms: Math.round(ms),
    eventsPerSecond: Math.round((model.position / Math.max(ms, 1)) * 1000),
    equal: diff.length === 0,
    differences: diff,
  };
};
