import type { Etcd3, Watcher } from 'etcd3';
import { AGENT_KEY_PREFIX, AgentRegistration } from '@berth/contracts';
import { inspectEngine } from '@berth/docker';
import type { EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import type { Logger } from '@berth/log';
import { enginesInLog } from '../engines-in-log.js';
import { decideEngine } from './commands.js';

/**
 * Turns agents' etcd registrations into engine events: a key put → EngineAdded (source agent),
 * a key gone (lease expired, host dead) → EngineLost, a `leaving` put (clean exit) → EngineRemoved.
 * Every registry instance watches; the stream's expected version makes each change land once.
 */
export const followAgentRegistrations = async (etcd: Etcd3, log: EventLog, logger: Logger) => {
  const metadata = (actor: string) => ({ commandId: newId(), actor });

  const registered = async (value: string) => {
    const parsed = AgentRegistration.safeParse(JSON.parse(value));
    if (!parsed.success)
      return logger.warn({ value: value.slice(0, 200) }, 'ignored a malformed agent registration');
    const { id, addr, cpus, memory, labels, leaving } = parsed.data;
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
  watcher.on('put', (kv) => void guarded('put', () => registered(kv.value.toString())));
  watcher.on(
    'delete',
    (kv) => void guarded('delete', () => gone(kv.key.toString().slice(AGENT_KEY_PREFIX.length))),
  );

  const current = await etcd.getAll().prefix(AGENT_KEY_PREFIX).strings();
  await Promise.all(
    Object.values(current).map((value) => guarded('sync', () => registered(value))),
  );
  for (const [id, state] of await enginesInLog(log)) {
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
