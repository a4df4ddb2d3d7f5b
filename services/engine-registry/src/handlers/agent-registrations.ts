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
 *
 * The watch is the fast path; every `sweepMs` one read of the prefix is the sure one, since a
 * watch stream whose etcd member died can stall without a word. Each key's etcd revision decides
 * which of the two saw the later state.
 */
export const followAgentRegistrations = async (
  etcd: Etcd3,
  log: EventLog,
  logger: Logger,
  secretKey: SecretKey,
  sweepMs = 5000,
) => {
  const metadata = (actor: string) => ({ commandId: newCommandId(), actor });
  /** What each key said at its latest revision seen; `undefined`: deleted. */
  const seen = new Map<string, { value: string | undefined; revision: bigint }>();
  /** Records the state if it is newer than the one seen; says what it was before, or 'stale'. */
  const see = (key: string, value: string | undefined, revision: bigint) => {
    const before = seen.get(key);
    if (before !== undefined && before.revision >= revision) return 'stale';
    seen.set(key, { value, revision });
    return before?.value;
  };

  const registered = async (key: string, value: string) => {
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

  // Agents joining through the API put the same value again on every renewal: only a change is news.
  const put = (key: string, value: string, revision: bigint, what: string) => {
    const before = see(key, value, revision);
    return before === 'stale' || before === value
      ? Promise.resolve()
      : guarded(what, () => registered(key, value));
  };
  const deleted = (key: string, revision: bigint, what: string) =>
    see(key, undefined, revision) === 'stale'
      ? Promise.resolve()
      : guarded(what, () => gone(key.slice(AGENT_KEY_PREFIX.length)));

  /** What etcd holds now, applied; a key seen before, absent now, was deleted meanwhile. */
  const sweep = async (what: string) => {
    const now = await etcd.getAll().prefix(AGENT_KEY_PREFIX).exec();
    const current = new Set<string>();
    const applied = now.kvs.map((kv) => {
      current.add(kv.key.toString());
      return put(kv.key.toString(), kv.value.toString(), BigInt(kv.mod_revision), what);
    });
    const at = BigInt(now.header.revision);
    for (const [key, { value }] of seen)
      if (value !== undefined && !current.has(key)) applied.push(deleted(key, at, what));
    await Promise.all(applied);
    return current;
  };

  // Start watching first, then reconcile with what etcd holds now, so nothing falls between.
  const watcher: Watcher = await etcd.watch().prefix(AGENT_KEY_PREFIX).create();
  watcher.on('put', (kv) => {
    void put(kv.key.toString(), kv.value.toString(), BigInt(kv.mod_revision), 'put');
  });
  watcher.on('delete', (kv) => {
    void deleted(kv.key.toString(), BigInt(kv.mod_revision), 'delete');
  });

  const current = await sweep('sync');
  for (const [id, state] of await new EnginesInLog(log).current()) {
    if (
      state.status === 'active' &&
      state.engine.source === 'agent' &&
      !current.has(AGENT_KEY_PREFIX + id)
    ) {
      await guarded('sync', () => gone(id));
    }
  }
  const sweeping = setInterval(
    () => void sweep('sweep').catch((error: unknown) => logger.debug({ err: error }, 'no sweep')),
    sweepMs,
  );
  sweeping.unref();
  return { stop: () => (clearInterval(sweeping), watcher.cancel()) };
};
