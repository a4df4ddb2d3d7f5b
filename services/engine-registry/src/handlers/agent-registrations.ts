import type { Etcd3, Watcher } from 'etcd3';
import { hasValidJoinProof, type SecretKey } from '@berth/auth';
import { AGENT_KEY_PREFIX, AgentRegistration } from '@berth/contracts';
import { inspectEngine } from '@berth/docker';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import type { Logger } from '@berth/log';
import { EnginesInLog } from '../engines-in-log.js';
import { decideEngine } from './commands.js';

/**
 * Turns agents' etcd registrations into engine events: a key put → EngineAdded (source agent),
 * a key gone (lease expired, host dead) → EngineLost, a `leaving` put (clean exit) → EngineRemoved.
 * Every registry instance watches; the stream's expected version makes each change land once.
 * A registration without a valid join proof is refused (EngineJoinRefused) and otherwise ignored.
 */
export const followAgentRegistrations = async (
  etcd: Etcd3,
  log: EventLog,
  logger: Logger,
  secretKey: SecretKey,
) => {
  const metadata = (actor: string) => ({ commandId: newCommandId(), actor });
  // Agents joining through the API put the same value again on every renewal: only a change is news.
  const lastSeen = new Map<string, string>();

  const registered = async (key: string, value: string) => {
    if (lastSeen.get(key) === value) return;
    lastSeen.set(key, value);
    const parsed = AgentRegistration.safeParse(JSON.parse(value));
    if (!parsed.success)
      return logger.warn({ key: key.slice(0, 200) }, 'ignored a malformed agent registration');
    const { id, addr, cpus, memory, labels, leaving } = parsed.data;
    if (!hasValidJoinProof(secretKey, parsed.data)) {
      logger.warn({ id, addr }, 'ignored an agent registration without a valid join token');
      const reason = parsed.data.proof === undefined ? 'no join token' : 'wrong join token';
      await decideEngine(
        log,
        id,
        { type: 'RefuseJoin', id, addr, reason },
        metadata(`agent:${id}`),
      );
      return;
    }
    if (leaving === true) {
      await decideEngine(
        log,
        id,
        { type: 'RemoveEngine', id, reason: 'agent deregistered' },
        metadata(`agent:${id}`),
      ).catch(() => undefined);
      return;
    }
    const facts = await inspectEngine({ addr });
    const engine = {
      id,
      addr,
      cpus,
      memory,
      labels,
      dockerVersion: facts.dockerVersion,
      source: 'agent' as const,
      reason: 'registered by its agent',
    };
    await decideEngine(log, id, { type: 'RegisterEngine', engine }, metadata(`agent:${id}`));
  };
  const gone = (id: string) =>
    decideEngine(
      log,
      id,
      { type: 'LoseEngine', id, reason: 'agent registration expired' },
      metadata('system'),
    );

  const guarded = (what: string, work: () => Promise<unknown>) =>
    work().catch((error: unknown) =>
      logger.warn({ err: error, what }, 'agent registration not applied'),
    );

  // Start watching first, then reconcile with what etcd holds now, so nothing falls between.
  const watcher: Watcher = await etcd.watch().prefix(AGENT_KEY_PREFIX).create();
  watcher.on(
    'put',
    (kv) => void guarded('put', () => registered(kv.key.toString(), kv.value.toString())),
  );
  watcher.on('delete', (kv) => {
    const key = kv.key.toString();
    lastSeen.delete(key);
    void guarded('delete', () => gone(key.slice(AGENT_KEY_PREFIX.length)));
  });

  const current = await etcd.getAll().prefix(AGENT_KEY_PREFIX).strings();
  await Promise.all(
    Object.entries(current).map(([key, value]) => guarded('sync', () => registered(key, value))),
  );
  for (const [id, state] of await new EnginesInLog(log).current()) {
    if (
      state.status === 'active' &&
      state.engine.source === 'agent' &&
      current[AGENT_KEY_PREFIX + id] === undefined
    ) {
      await guarded('sync', () => gone(id));
    }
  }
  return { stop: () => watcher.cancel() };
};
