import { describe, expect, it } from 'vitest';
import { newestState } from './newest-state.js';

/** An apply whose calls are recorded and finish only when the test says so. */
const controlledApply = () => {
  const calls: { value: string | undefined; finish: (error?: Error) => void }[] = [];
  const apply = (_key: string, value: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ value, finish: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  return { calls, apply };
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('newestState', () => {
  it('applies a renewal seen while the lapse before it is still being applied, after it', async () => {
    const { calls, apply } = controlledApply();
    const state = newestState(apply, () => undefined);
    void state.observe('k', 'v', 1n);
    calls[0]?.finish();
    await tick();
    const lapse = state.observe('k', undefined, 2n);
    const renewal = state.observe('k', 'v', 3n);
    expect(calls.map((c) => c.value)).toEqual(['v', undefined]); // one at a time
    calls[1]?.finish();
    await tick();
    expect(calls.map((c) => c.value)).toEqual(['v', undefined, 'v']);
    calls[2]?.finish();
    await Promise.all([lapse, renewal]);
    await state.retry();
    expect(calls).toHaveLength(3);
  });

  it('ignores a state older than the newest seen, and a newer one that changes nothing', async () => {
    const { calls, apply } = controlledApply();
    const state = newestState(apply, () => undefined);
    const first = state.observe('k', 'v', 5n);
    calls[0]?.finish();
    await first;
    await state.observe('k', undefined, 4n); // a sweep that read before the put
    await state.observe('k', 'v', 6n); // the same value renewed
    expect(calls.map((c) => c.value)).toEqual(['v']);
    expect(state.present()).toEqual(['k']);
  });

  it('skips states overtaken while the key was busy', async () => {
    const { calls, apply } = controlledApply();
    const state = newestState(apply, () => undefined);
    void state.observe('k', 'a', 1n);
    void state.observe('k', 'b', 2n);
    void state.observe('k', 'c', 3n);
    calls[0]?.finish();
    await tick();
    calls[1]?.finish();
    await tick();
    expect(calls.map((c) => c.value)).toEqual(['a', 'c']);
  });

  it('tries a failed application again at retry, and counts it applied only once it succeeds', async () => {
    const { calls, apply } = controlledApply();
    const errors: string[] = [];
    const state = newestState(apply, (error, key) => errors.push(`${key}: ${String(error)}`));
    const first = state.observe('k', 'v', 1n);
    calls[0]?.finish(new Error('Docker did not answer'));
    await first;
    expect(errors).toEqual(['k: Error: Docker did not answer']);
    const second = state.observe('k', 'v', 2n); // a renewal of the same value is still news
    expect(calls).toHaveLength(2);
    calls[1]?.finish(new Error('still not'));
    await second;
    const retried = state.retry();
    expect(calls).toHaveLength(3);
    calls[2]?.finish();
    await retried;
    await state.retry();
    expect(calls).toHaveLength(3);
    expect(errors).toHaveLength(2);
  });

  it('keeps keys apart: one busy key does not hold up another', async () => {
    const { calls, apply } = controlledApply();
    const state = newestState(apply, () => undefined);
    void state.observe('a', 'x', 1n);
    void state.observe('b', 'y', 1n);
    expect(calls.map((c) => c.value)).toEqual(['x', 'y']);
    calls[1]?.finish();
    await tick();
    expect(state.present().sort()).toEqual(['a', 'b']);
  });
});
