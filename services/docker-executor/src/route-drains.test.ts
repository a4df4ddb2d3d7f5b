import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { RouteDrains } from './route-drains.js';

const route = (state: 'routed' | 'drained') =>
  ({ type: 'RouteChanged', data: { container: 'A', state } }) as unknown as RecordedEvent;
const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
};

describe('route drains', () => {
  it('does not wait for a replica no router holds', async () => {
    expect(await settled(new RouteDrains().whenDrained('A', 60_000))).toBe(true);
  });

  it('waits for a routed replica until the router records it drained', async () => {
    const drains = new RouteDrains();
    drains.apply(route('routed'));
    const waiting = drains.whenDrained('A', 60_000);
    expect(await settled(waiting)).toBe(false);
    drains.apply(route('drained'));
    expect(await settled(waiting)).toBe(true);
  });

  it('gives up waiting after the bound when no router answers', async () => {
    const drains = new RouteDrains();
    drains.apply(route('routed'));
    expect(await settled(drains.whenDrained('A', 5))).toBe(true);
  });
});
