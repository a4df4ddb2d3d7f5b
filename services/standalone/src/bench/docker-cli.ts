// The local Docker engine as the benches drive it: its CLI, its API, containers by label.
import { request } from 'node:http';
import { docker } from '@berth/testkit/docker-cli';

const DOCKER_SOCKET = '/var/run/docker.sock';
export const REMOVE_LIMIT_MS = 60_000;

export { docker };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One GET on the local Docker API (lighter than a CLI process for polling). */
export const dockerApi = <T>(path: string) =>
  new Promise<T>((resolve, reject) => {
    const req = request({ socketPath: DOCKER_SOCKET, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(JSON.parse(body) as T);
        else reject(new Error(`docker API ${path}: ${res.statusCode} ${body.trim()}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`docker API ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });

/** The images of the running containers that carry `label`, asked from Docker itself. */
export const runningImages = async (label: string) => {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const running = await dockerApi<{ Image: string }[]>(`/containers/json?filters=${filters}`);
  return running.map((c) => c.Image);
};

export const containersLabelled = async (label: string) =>
  (await docker(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter((id) => id !== '');

/**
 * Waits (bounded) until no container carries `label`; then force-removes what is left and
 * returns how many that was (0 = they went away by themselves).
 */
export const awaitGone = async (label: string, limitMs = REMOVE_LIMIT_MS) => {
  const deadline = Date.now() + limitMs;
  let left = await containersLabelled(label);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = await containersLabelled(label);
  }
  if (left.length > 0) await docker(['rm', '-f', ...left], 120_000);
  return left.length;
};

export const removeLabelled = async (label: string) => {
  const ids = await containersLabelled(label);
  if (ids.length > 0) await docker(['rm', '-f', ...ids], 120_000);
  return ids.length;
};
