import { mkdirSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { freePort, spawnChild, waitUntil, type Child } from './child.js';

export type LocalEtcd = { url: string; pid: number; stop: () => Promise<void> };

/** Starts Debian's `etcd` as a one-member cluster on free loopback ports. */
export const startEtcd = async (dataDir: string): Promise<LocalEtcd> => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: Child = spawnChild('etcd', [
    '--name',
    'berth',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    url,
    '--advertise-client-urls',
    url,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `berth=${peer}`,
    '--log-level',
    'warn',
  ]);
  const client = new Etcd3({ hosts: url });
  try {
    await waitUntil('etcd', () => client.get('berth/ready-probe').string(), 15_000);
  } catch (error) {
    await child.stop();
    throw new Error(`etcd failed: ${child.output()}`, { cause: error });
  } finally {
    client.close();
  }
  return { url, pid: child.pid, stop: child.stop };
};
