import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort, spawnChild, waitUntil, type Child } from './child.js';

export type LocalEtcd = { url: string; pid: number; stop: () => Promise<void> };

type Member = { name: string; client: string; peer: string };

const spawnMember = (dataDir: string, member: Member, all: Member[]): Child => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return spawnChild('etcd', [
    '--name',
    member.name,
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    member.client,
    '--advertise-client-urls',
    member.client,
    '--listen-peer-urls',
    member.peer,
    '--initial-advertise-peer-urls',
    member.peer,
    '--initial-cluster',
    all.map((m) => `${m.name}=${m.peer}`).join(','),
    '--log-level',
    'warn',
  ]);
};

const newMember = async (name: string): Promise<Member> => ({
  name,
  client: `http://127.0.0.1:${await freePort()}`,
  peer: `http://127.0.0.1:${await freePort()}`,
});

const untilAnswers = async (
  hosts: string[],
  options: Partial<ConstructorParameters<typeof Etcd3>[0]> = {},
) => {
  const client = new Etcd3({ hosts, ...options });
  try {
    await waitUntil('etcd', () => client.get('berth/ready-probe').string(), 30_000);
  } finally {
    client.close();
  }
};

/** Starts Debian's `etcd` as a one-member cluster on free loopback ports. */
export const startEtcd = async (dataDir: string): Promise<LocalEtcd> => {
  const member = await newMember('berth');
  const child = spawnMember(dataDir, member, [member]);
  try {
    await untilAnswers([member.client]);
  } catch (error) {
    await child.stop();
    throw new Error(`etcd failed: ${child.output()}`, { cause: error });
  }
  return { url: member.client, pid: child.pid, stop: child.stop };
};

export type EtcdMember = { name: string; url: string; pid: number; child: Child };
export type LocalEtcdCluster = {
  members: EtcdMember[];
  /** Every member's client URL, comma-separated (as BERTH_ETCD_URL takes them). */
  url: string;
  auth: { username: 'root'; password: string };
  env: { BERTH_ETCD_URL: string; BERTH_ETCD_USER: string; BERTH_ETCD_PASSWORD: string };
  stop: () => Promise<void>;
};

/**
 * Starts `size` etcd members on loopback as one cluster, then turns authentication on with a
 * fresh `root` password (what `etcdctl user add root` and `etcdctl auth enable` do; done over
 * the API so the password never appears on a command line).
 */
export const startEtcdCluster = async (dir: string, size = 3): Promise<LocalEtcdCluster> => {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`an etcd cluster needs ≥ 1 member, not ${size}`);
  const all: Member[] = [];
  for (let i = 0; i < size; i++) all.push(await newMember(`etcd-${i + 1}`));
  const members = all.map((m) => {
    const child = spawnMember(join(dir, m.name), m, all);
    return { name: m.name, url: m.client, pid: child.pid, child };
  });
  const stop = async () => void (await Promise.all(members.map((m) => m.child.stop())));
  const hosts = all.map((m) => m.client);
  const auth = { username: 'root' as const, password: randomBytes(24).toString('base64url') };
  try {
    await untilAnswers(hosts);
    const setup = new Etcd3({ hosts });
    try {
      await setup.role('root').create();
      await setup.user('root').create(auth.password);
      await setup.user('root').addRole('root');
      await setup.auth.authEnable();
    } finally {
      setup.close();
    }
    await untilAnswers(hosts, { auth });
  } catch (error) {
    const output = members.map((m) => `${m.name}: ${m.child.output()}`).join('\n');
    await stop();
    throw new Error(`the etcd cluster did not start: ${output}`, { cause: error });
  }
  const url = hosts.join(',');
  return {
    members,
    url,
    auth,
    env: {
      BERTH_ETCD_URL: url,
      BERTH_ETCD_USER: auth.username,
      BERTH_ETCD_PASSWORD: auth.password,
    },
    stop,
  };
};
