import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../infra/test-hosts.sh', import.meta.url));

export type TestHost = {
  index: number;
  /** The host's own address, e.g. 10.231.4.2. */
  address: string;
  /** This namespace's end of the link to it, e.g. 10.231.4.1: how the host reaches Berth. */
  peerAddress: string;
  /** Its network namespace, for `ip netns exec` (a process there is "on" the host). */
  netns: string;
  /** Its Docker API over TCP: tcp://10.231.4.2:2375. */
  dockerUrl: string;
  /** Its Docker API socket, reachable from this namespace too. */
  socket: string;
  stopDocker(): Promise<void>;
  startDocker(): Promise<void>;
  freezeDocker(): Promise<void>;
  thawDocker(): Promise<void>;
  cutLink(): Promise<void>;
  restoreLink(): Promise<void>;
  /** Loses the host: its containers and daemons SIGKILLed, its link down (a power cut). */
  kill(): Promise<void>;
};

/**
 * N real Docker hosts (a dockerd per network namespace, see infra/test-hosts.sh), labelled with
 * this run's id. `down()` removes them with their containers.
 */
export const startTestHosts = async (count: number) => {
  const runId = randomBytes(3).toString('hex');
  const script = (...args: string[]) => run('bash', [SCRIPT, ...args], { timeout: 120_000 });
  try {
    const { stdout } = await script('up', runId, String(count));
    const hosts: TestHost[] = stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [index, address, dockerUrl, socket] = line.split(' ');
        const i = String(index);
        const control = (command: string) => async () => void (await script(command, runId, i));
        return {
          index: Number(index),
          address: address ?? '',
          peerAddress: (address ?? '').replace(/\.2$/, '.1'),
          netns: `bt-${runId}-${i}`,
          dockerUrl: dockerUrl ?? '',
          socket: socket ?? '',
          stopDocker: control('stop'),
          startDocker: control('start'),
          freezeDocker: control('freeze'),
          thawDocker: control('thaw'),
          cutLink: control('cut'),
          restoreLink: control('restore'),
          kill: control('kill'),
        };
      });
    return { runId, hosts, down: async () => void (await script('down', runId)) };
  } catch (error) {
    await script('down', runId);
    throw error;
  }
};
