// A one-node swarm on the local engine for the benches to compare with: made a manager only if
// it is none, and left as it was found.
import { awaitGone, docker } from './docker-cli.js';

let swarmInitializedByUs = false;
/** Swarm creates this bridge with its first task and `swarm leave` keeps it: ours if new. */
let gwbridgeWasThere = true;
const GWBRIDGE = 'docker_gwbridge';
const networkExists = (name: string) =>
  docker(['network', 'inspect', name]).then(
    () => true,
    () => false,
  );
/** Services created and not yet removed: what a cleanup removes. */
export const swarmServices = new Set<string>();

/** Makes this engine a swarm manager if it is none; a reason when that is not possible. */
export const prepareSwarm = async (): Promise<string | undefined> => {
  try {
    const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    if (state === 'active') {
      const manager = await docker(['info', '--format', '{{.Swarm.ControlAvailable}}']);
      return manager === 'true' ? undefined : 'this engine is a swarm worker, not a manager';
    }
    if (state !== 'inactive') return `swarm is in state "${state}"`;
    gwbridgeWasThere = await networkExists(GWBRIDGE);
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'], 60_000);
    swarmInitializedByUs = true;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

/** How many of a service's tasks that should run are Running (with `image`, when given). */
export const runningTasks = async (name: string, image?: string) => {
  const tasks = await docker([
    'service',
    'ps',
    name,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.Image}} {{.CurrentState}}',
  ]);
  return tasks
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([taskImage, state]) => state === 'Running' && (image ?? taskImage) === taskImage)
    .length;
};

/** Removes a service and waits (bounded) for its containers; how many had to be forced. */
export const removeSwarmService = async (name: string, limitMs?: number) => {
  await docker(['service', 'rm', name]);
  const forced = await awaitGone(`com.docker.swarm.service.name=${name}`, limitMs);
  swarmServices.delete(name);
  return forced;
};

export const cleanupSwarm = async () => {
  for (const name of swarmServices) await removeSwarmService(name, 20_000).catch(() => undefined);
  swarmServices.clear();
  if (swarmInitializedByUs) {
    await docker(['swarm', 'leave', '--force'], 60_000);
    swarmInitializedByUs = false;
  }
  if (!gwbridgeWasThere && (await networkExists(GWBRIDGE))) {
    await docker(['network', 'rm', GWBRIDGE]);
    gwbridgeWasThere = true;
  }
};
