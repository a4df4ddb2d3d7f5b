import type { RecordedEvent } from '@berth/contracts';
import { describe, expect, it } from 'vitest';
import { SharedPages } from './shared-pages.js';

const eventAt = (position: number): RecordedEvent => ({
  position,
  id: `e${position}`,
  stream: position % 2 === 0 ? `engine-${position}` : `group-${position}`,
  version: 1,
  type: position % 3 === 0 ? 'Three' : 'Other',
  v: 1,
  at: new Date(0).toISOString(),
  data: { n: position },
  metadata: { actor: 't', commandId: 'c', correlationId: 'c', causationId: 'c' },
  hash: 'h',
});

const withReads = () => {
  const reads: [number, number][] = [];
  const pages = new SharedPages((from, to) => {
    reads.push([from, to]);
    return Promise.resolve(Array.from({ length: to - from + 1 }, (_, i) => eventAt(from + i)));
  });
  return { pages, reads };
};

describe('SharedPages', () => {
  it('reads a range once for every follower and filters for each', async () => {
    const { pages, reads } = withReads();
    const [all, threes, engines] = await Promise.all([
      pages.page(1, 10, 100, undefined),
      pages.page(1, 10, 100, { types: ['Three'] }),
      pages.page(4, 10, 100, { streamPrefix: 'engine-' }),
    ]);
    expect(reads).toEqual([[1, 10]]);
    expect(all?.events.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(threes?.events.map((e) => e.position)).toEqual([3, 6, 9]);
    expect(engines?.events.map((e) => e.position)).toEqual([4, 6, 8, 10]);
    expect(all?.scannedTo).toBe(10);
  });

  it('reads only what it does not hold, and nothing for what this process appended', async () => {
    const { pages, reads } = withReads();
    pages.keep([eventAt(11), eventAt(12)]);
    await pages.page(1, 10, 100, undefined);
    expect((await pages.page(5, 12, 100, undefined))?.events).toHaveLength(8);
    expect(reads).toEqual([[1, 10]]);
  });

  it('stops a page at its limit, where the next one starts', async () => {
    const { pages } = withReads();
    const page = await pages.page(1, 20, 2, { types: ['Three'] });
    expect(page?.events.map((e) => e.position)).toEqual([3, 6]);
    expect(page?.scannedTo).toBe(6);
  });

  it('gives each follower copies of its own', async () => {
    const { pages } = withReads();
    const first = await pages.page(1, 3, 10, undefined);
    (first?.events[0]?.data as { n: number }).n = 99;
    const second = await pages.page(1, 3, 10, undefined);
    expect(second?.events[0]?.data).toEqual({ n: 1 });
  });

  it('leaves a follower far behind to read the store itself', async () => {
    const { pages, reads } = withReads();
    expect(await pages.page(1, 100_000, 1000, undefined)).toBeUndefined();
    expect(reads).toEqual([]);
  });
});
