import type { Etcd3, Watcher } from 'etcd3';
import { hasValidJoinProof, type SecretKey } from '@berth/auth';
import { AGENT_KEY_PREFIX, AgentRegistration } from '@berth/contracts';
import { inspectEngine } from '@berth/docker';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import type { Logger } from '@berth/log';
import { EnginesInLog } from '../engines-in-log.js';
import { newestState } from '../newest-state.js';
import { decideEngine } from './commands.js';

const parseRegistration = (value: string) => {
  try {
    return AgentRegistration.safeParse(JSON.parse(value));
  } catch {
    return { success: false as const };
  }
};

/**
 * Turns agents' etcd registrations into engine events: a key put → EngineAdded (source agent),
 * a key gone (lease expired, host dead) → EngineLost, a `leaving` put (clean exit) → EngineRemoved.
 * Every registry instance watches; the stream's expected version makes each change land once.
 * A registration without a valid join proof is refused (EngineJoinRefused) and otherwise ignored.
 *
 * The watch is the fast path; every `sweepMs` one read of the prefix is the sure one, since a
 * watch stream whose etcd member died can stall without a word. Each key's etcd revision decides
 * which of the two saw the later state, and a change that could not be applied (Docker or the
 * log busy) is tried again at the next sweep rather than forgotten.
 */
export const followAgentRegistrations = async (
  etcd: Etcd3,
  log: EventLog,
  logger: Logger,
  secretKey: SecretKey,
  sweepMs = 5000,
) => {
  const metadata = (actor: string) => ({ commandId: newCommandId(), actor });

  const registered = async (key: string, value: string) => {
    const parsed = parseRegistration(value);
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

  const registrations = newestState(
    async (key, value) => {
      const id = key.slice(AGENT_KEY_PREFIX.length);
      if (value === undefined) {
        await gone(id);
        logger.info({ id }, 'agent registration gone');
      } else {
        await registered(key, value);
        logger.info({ id }, 'agent registration applied');
      }
    },
    (error, key) =>
      logger.warn({ err: error, key: key.slice(0, 200) }, 'agent registration not applied yet'),
  );

  /** What etcd holds now; a key present before, absent now, was deleted meanwhile. */
  const sweep = async () => {
    const now = await etcd.getAll().prefix(AGENT_KEY_PREFIX).exec();
    const at = BigInt(now.header.revision);
    const current = new Set(now.kvs.map((kv) => kv.key.toString()));
    const seen = registrations.present();
    await Promise.all([
      ...now.kvs.map((kv) =>
        registrations.observe(kv.key.toString(), kv.value.toString(), BigInt(kv.mod_revision)),
      ),
      ...seen
        .filter((key) => !current.has(key))
        .map((key) => registrations.observe(key, undefined, at)),
    ]);
    await registrations.retry();
    return current;
  };

  // Start watching first, then reconcile with what etcd holds now, so nothing falls between.
  const watcher: Watcher = await etcd.watch().prefix(AGENT_KEY_PREFIX).create();
  watcher.on('put', (kv) => {
    void registrations.observe(kv.key.toString(), kv.value.toString(), BigInt(kv.mod_revision));
  });
  watcher.on('delete', (kv) => {
    void registrations.observe(kv.key.toString(), undefined, BigInt(kv.mod_revision));
  });

  // Engines whose agents registered before this instance started and are gone now: a state
  // older than any etcd shows, so a registration seen meanwhile wins.
  const current = await sweep();
  for (const [id, state] of await new EnginesInLog(log).current()) {
    const key = AGENT_KEY_PREFIX + id;
    if (state.status === 'active' && state.engine.source === 'agent' && !current.has(key))
      await registrations.observe(key, undefined, 0n);
  }
  const sweeping = setInterval(
    () => void sweep().catch((error: unknown) => logger.debug({ err: error }, 'no sweep')),
    sweepMs,
  );
  sweeping.unref();
  return { stop: () => (clearInterval(sweeping), watcher.cancel()) };
};
