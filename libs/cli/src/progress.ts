// Waiting for a group to reach its desired count after `run` or `scale`, as `docker` waits.
import { CliError, HttpError } from './client.js';
import type { Context } from './command.js';

export type ContainerState =
  'pending' | 'running' | 'backoff' | 'stopped' | 'completed' | 'failed' | 'destroyed';
export type PublishedPort = { container: number; host: number; protocol: string; hostIp: string };
export type Container = {
  id: string;
  name: string;
  group: string;
  image: string;
  engine: string;
  state: ContainerState;
  ports: PublishedPort[];
  createdAt: string;
  reason?: string;
  restarts?: number;
  health?: 'starting' | 'healthy' | 'unhealthy' | null;
  dockerId?: string;
  cpus: number;
  memory: number;
};
export type Group = {
  id: string;
  name?: string;
  revision?: number;
  image: string;
  desired: number;
  replicas: { pending: number; running: number; stopped: number; failed: number };
  containers: string[];
  pending?: { missing: number; reason: string };
  createdAt: string;
};

/** Where a group stands for one `run` or `scale`: still going, done, or stuck with reasons. */
export type Assessment = {
  line: string;
  running: number;
  failed: number;
  outcome: 'waiting' | 'done' | 'failed';
  reasons: string[];
};

/**
 * `expected`: the replicas this command placed. ULIDs grow with time, so a replica at or after
 * the first of them is this command's (or a replacement of one); failures of older ones are
 * history and do not count. The view is trusted only once it shows the new desired count and
 * every expected replica: the read model may lag the 202 by a moment.
 */
export const assess = (
  group: Group | undefined,
  containers: readonly Container[],
  expected: readonly string[],
  desired: number,
  removed: readonly string[] = [],
): Assessment => {
  const byId = new Map(containers.map((c) => [c.id, c]));
  const first = [...expected].sort()[0];
  const mine = (c: Container) => first !== undefined && c.id >= first;
  const failed = containers.filter((c) => mine(c) && c.state === 'failed');
  const members = (group?.containers ?? []).map((id) => byId.get(id));
  const running = members.filter((c) => c?.state === 'running').length;
  // A removed replica is gone once Docker has removed it (or the model has forgotten it).
  const gone = removed.filter((id) => (byId.get(id)?.state ?? 'destroyed') === 'destroyed');
  const line =
    `placed ${members.length}/${desired}  running ${running}/${desired}  failed ${failed.length}` +
    (removed.length === 0 ? '' : `  removed ${gone.length}/${removed.length}`);
  const fresh =
    group !== undefined &&
    group.desired === desired &&
    expected.every((id) => byId.has(id)) &&
    members.every((c) => c !== undefined);
  const counts = { line, running, failed: failed.length };
  if (!fresh) return { ...counts, outcome: 'waiting', reasons: [] };
  const settled = members.every(
    (c) => c?.state === 'running' || (c?.state === 'stopped' && !mine(c)), // stopped on request
  );
  if (members.length === desired && settled && gone.length === removed.length)
    return { ...counts, outcome: 'done', reasons: [] };
  // Nothing on its way, and the scheduler has recorded why some are missing: it gives up.
  const inFlight = members.some(
    (c) => c?.state === 'pending' || (c?.state === 'stopped' && mine(c)),
  );
  if (!inFlight && members.length < desired && group.pending !== undefined) {
    const reasons =
      failed.length > 0
        ? failed.map((c) => (c.reason ?? '').replace(/^failed: /, '') || 'no reason given')
        : [group.pending.reason];
    return { ...counts, outcome: 'failed', reasons: [...new Set(reasons)] };
  }
  return { ...counts, outcome: 'waiting', reasons: [] };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the group every 300 ms, printing a progress line on stderr when it changes, until it
 * is done (returns it), gives up or the timeout passes (CliError, after printing `--json` output).
 */
export const waitForGroup = async (
  context: Context,
  options: {
    group: string;
    expected: readonly string[];
    desired: number;
    removed?: readonly string[];
    timeoutSeconds: number;
  },
): Promise<{ group: Group; containers: Container[] }> => {
  const client = context.client();
  const { group: id, expected, desired, removed = [], timeoutSeconds } = options;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const group = await client.request<Group>('GET', `/api/groups/${encodeURIComponent(id)}`).then(
      (r) => r.body,
      (error: unknown) => {
        if (error instanceof HttpError && error.status === 404) return undefined; // not yet
        throw error;
      },
    );
    const { body: containers } = await client.request<Container[]>(
      'GET',
      `/api/containers?all=true&group=${encodeURIComponent(id)}`,
    );
    const { line, outcome, reasons, running, failed } = assess(
      group,
      containers,
      expected,
      desired,
      removed,
    );
    if (line !== last && !context.json) context.warn(line);
    last = line;
    if (outcome === 'done' && group !== undefined) return { group, containers };
    const timedOut = Date.now() >= deadline;
    if (outcome === 'failed' || timedOut) {
      if (context.json && group !== undefined) context.print(JSON.stringify(group));
      throw new CliError(
        outcome === 'failed'
          ? `${running} of ${desired} running, ${failed} failed: ${reasons.join('; ')}`
          : `not done after ${timeoutSeconds} s (${line.replace(/ {2}/g, ', ')}); see \`berth containers --all --group ${id}\``,
      );
    }
    await sleep(Math.min(300, Math.max(0, deadline - Date.now())));
  }
};
