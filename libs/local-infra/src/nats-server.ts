import { connect } from 'nats';
import { freePort, spawnChild, waitUntil, type Child } from './child.js';

export type LocalNats = { url: string; pid: number; stop: () => Promise<void> };

/** Starts Debian's `nats-server` on a free loopback port and waits until it takes clients. */
export const startNatsServer = async (): Promise<LocalNats> => {
  const port = await freePort();
  const child: Child = spawnChild('nats-server', ['-a', '127.0.0.1', '-p', String(port)]);
  const url = `nats://127.0.0.1:${port}`;
  try {
    await waitUntil(
      'nats-server',
      async () => (await connect({ servers: url, reconnect: false })).close(),
      10_000,
    );
  } catch (error) {
    await child.stop();
    throw new Error(`nats-server failed: ${child.output()}`, { cause: error });
  }
  return { url, pid: child.pid, stop: child.stop };
};
