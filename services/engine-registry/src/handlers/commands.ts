import type { Etcd3 } from 'etcd3';
import {
  AddEngine,
  AGENT_KEY_PREFIX,
  engineStream,
  JoinEngine,
  RemoveEngine,
  type CommandMetadata,
} from '@berth/contracts';
import { hasValidJoinProof, sealSecret, type SecretKey } from '@berth/auth';
import { serveCommand, type NatsConnection } from '@berth/bus';
import { handleCommand } from '@berth/decider';
import { inspectEngine } from '@berth/docker';
import { ConflictError, UnauthenticatedError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { engineDecider, type EngineCommand } from '../domain/engine.js';
import { EnginesInLog } from '../engines-in-log.js';

const SERVICE = 'engine-registry';

export const decideEngine = (
  log: EventLog,
  id: string,
  command: EngineCommand,
  metadata: CommandMetadata,
) => handleCommand(log, engineDecider, engineStream(id), command, metadata);

/**
 * An agent's registration through the API, written to etcd as an agent on the host would write
 * it: under a lease of `ttlSeconds`, taken anew on every renewal (the old one then expires with
 * nothing on it). The etcd watch turns it into engine events like any other registration.
 */
const joinThroughEtcd = async (etcd: Etcd3, { registration, ttlSeconds }: JoinEngine['data']) => {
  const key = AGENT_KEY_PREFIX + registration.id;
  const value = JSON.stringify(registration);
  if (registration.leaving === true) {
    await etcd.put(key).value(value);
    await etcd.delete().key(key);
    return;
  }
  await etcd.lease(ttlSeconds, { autoKeepAlive: false }).put(key).value(value);
};

/** AddEngine, RemoveEngine and JoinEngine over the bus, in queue group `berth.engine-registry`. */
export const serveEngineCommands = (
  nc: NatsConnection,
  log: EventLog,
  secretKey: SecretKey,
  etcd: Etcd3,
) => {
  const engines = new EnginesInLog(log);
  const endpoints = [
    serveCommand(nc, {
      type: 'AddEngine',
      schema: AddEngine,
      service: SERVICE,
      handle: async ({ data, metadata }) => {
        const earlier = await log.readCommand(metadata.commandId);
        if (earlier.length > 0)
          return { position: earlier[earlier.length - 1]?.position ?? 0, events: earlier };
        for (const [id, state] of await engines.current()) {
          if (
            (state.status === 'active' || state.status === 'lost') &&
            state.engine.addr === data.addr &&
            id !== data.id
          ) {
            throw new ConflictError(`engine ${id} already has the address ${data.addr}`, {
              field: 'addr',
            });
          }
        }
        // Accept only what answers as a Docker Engine; its own numbers fill what was not given.
        const facts = await inspectEngine({ addr: data.addr, tls: data.tls });
        const engine = {
          id: data.id,
          addr: data.addr,
          cpus: data.cpus ?? facts.cpus,
          memory: data.memory ?? facts.memoryMb,
          labels: data.labels,
          dockerVersion: facts.dockerVersion,
          source: 'manual' as const,
          reason: 'added by hand; answers as a Docker Engine',
          ...(data.tls === undefined
            ? {}
            : { tls: sealSecret(secretKey, JSON.stringify(data.tls)) }),
        };
        return decideEngine(log, data.id, { type: 'AddEngine', engine }, metadata);
      },
    }),
    serveCommand(nc, {
      type: 'RemoveEngine',
      schema: RemoveEngine,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        decideEngine(
          log,
          data.id,
          { type: 'RemoveEngine', id: data.id, reason: `removed by ${metadata.actor}` },
          metadata,
        ),
    }),
    serveCommand(nc, {
      type: 'JoinEngine',
      schema: JoinEngine,
      service: SERVICE,
      handle: async ({ data }) => {
        if (!hasValidJoinProof(secretKey, data.registration))
          throw new UnauthenticatedError(
            'wrong join token (`berth engine join-token` prints the right one)',
            { field: 'token' },
          );
        await joinThroughEtcd(etcd, data);
        return { position: 0, events: [] };
      },
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
