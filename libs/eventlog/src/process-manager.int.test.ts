import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { NewEvent } from '@berth/contracts';
import { newId } from '@berth/ids';
import { metricsText } from '@berth/metrics';
import { TEST_CHAIN_KEY } from './conformance.js';
import { catchUpThenReact } from './process-manager.js';
import { openSqliteEventLog } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-pm-lag-'));
const log = openSqliteEventLog({
  file: join(dir, 'events.db'),
  key: TEST_CHAIN_KEY,
  pollIntervalMs: 20,
});
afterAll(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const events = (type: string, n: number): NewEvent[] =>
  Array.from({ length: n }, () => {
    const id = newId();
    return {
      type,
      data: {},
      metadata: { actor: 'tester', commandId: id, correlationId: id, causationId: id },
    };
  });
const lagOf = async (name: string) =>
  Number(
    new RegExp(`^berth_follower_lag_events\\{follower="${name}"\\} (\\d+)$`, 'm').exec(
      await metricsText(),
    )?.[1],
  );

it('reports as lag the events of its filter it has not reacted to yet, not other streams', async () => {
  let release: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  const follower = catchUpThenReact(
    log,
    { types: ['Watched'] },
    () => undefined,
    () => blocked, // the first reaction waits, so the rest queue up behind it
    { name: 'test-pm' },
  );
  await follower.caughtUp;
  await log.append('other', 0, events('Unwatched', 50));
  await log.append('watched', 0, events('Watched', 3));
  await expect.poll(() => lagOf('test-pm'), { timeout: 5000 }).toBe(3);
  release();
  await expect.poll(() => lagOf('test-pm'), { timeout: 5000 }).toBe(0);
  await follower.stop();
  expect(await metricsText()).not.toContain('follower="test-pm"');
});

it('freshens commands that ask together with one read, and never misses an earlier append', async () => {
  let reads = 0;
  const counted = {
    ...log,
    readAll: (...args: Parameters<typeof log.readAll>) => (reads++, log.readAll(...args)),
  };
  const seen: number[] = [];
  const follower = catchUpThenReact(
    counted,
    { types: ['Fresh'] },
    (event) => void seen.push(event.position),
    () => Promise.resolve(),
  );
  await follower.caughtUp;
  await log.append('fresh', 0, events('Fresh', 5));
  await log.append('noise', 0, events('Unwatched', 20));
  reads = 0;
  await Promise.all(Array.from({ length: 50 }, () => follower.freshen()));
  expect(reads).toBe(1);
  const fresh = (await log.readAll(1, { filter: { types: ['Fresh'] } })).map((e) => e.position);
  expect(seen).toEqual(fresh); // each once, in order
  reads = 0;
  await follower.freshen(); // nothing new: the head says so, nothing is read
  expect(reads).toBe(0);
  const head = await log.head();
  await log.append('fresh', 5, events('Fresh', 2));
  await follower.freshen();
  expect(seen.slice(-2)).toEqual([head + 1, head + 2]);
  await follower.stop();
});

it('catches up after its first reads failed, then reacts to every later event once, in order', async () => {
  const failures: unknown[] = [];
  let headFailures = 2;
  // The real log, whose head cannot be read at first, as when its store is away a moment.
  const flaky = {
    ...log,
    head: () => (headFailures-- > 0 ? Promise.reject(new Error('store away')) : log.head()),
  };
  const reacted: number[] = [];
  const follower = catchUpThenReact(
    flaky,
    { types: ['Flaky'] },
    () => undefined,
    (event) => (reacted.push(event.position), Promise.resolve()),
    { onError: (error) => failures.push(error) },
  );
  await follower.caughtUp;
  expect(failures).toHaveLength(2);
  const { positions } = await log.append('flaky', 0, events('Flaky', 3));
  await expect.poll(() => reacted, { timeout: 5000 }).toEqual(positions);
  await follower.stop();
});
