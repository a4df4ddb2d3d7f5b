import { describe, expect, it } from 'vitest';
import { keyedBatcher } from './batcher.js';

describe('keyedBatcher', () => {
  it('sends what waits together, at most max and one per key, and answers each request', async () => {
    const batches: string[][] = [];
    const send = keyedBatcher(
      (request: string) => request.split(':')[0] ?? '',
      3,
      (batch) => {
        batches.push(batch);
        return Promise.resolve(batch.map((r) => r.toUpperCase()));
      },
    );
    const answers = await Promise.all(['a:1', 'b:1', 'a:2', 'c:1', 'd:1', 'b:2'].map(send));
    expect(answers).toEqual(['A:1', 'B:1', 'A:2', 'C:1', 'D:1', 'B:2']);
    // The first goes alone; the rest waited for it, three at a time, a key once per batch.
    expect(batches).toEqual([['a:1'], ['b:1', 'a:2', 'c:1'], ['d:1', 'b:2']]);
  });

  it('fails the requests of a batch that failed, and goes on with the next', async () => {
    const send = keyedBatcher(
      (request: number) => String(request),
      10,
      (batch) =>
        batch.includes(1) ? Promise.reject(new Error('store away')) : Promise.resolve(batch),
    );
    const [first, second] = await Promise.allSettled([send(1), send(2)]);
    expect(first).toMatchObject({ status: 'rejected', reason: new Error('store away') });
    expect(second).toEqual({ status: 'fulfilled', value: 2 });
  });
});
