import {
  requestLogs,
  sendCommand,
  sendQuery,
  type CommandResult,
  type NatsConnection,
} from '@berth/bus';
import type { ContainerLogsRequest, QueryName, QueryParams, Role } from '@berth/contracts';
import { UnavailableError } from '@berth/errors';
import { nextCommandId } from './idempotency.js';

/** How routes reach the services: commands and queries over NATS, nothing else. */
export type Gateway = {
  /** `role` goes with commands whose outcome depends on it (RunContainer's host access). */
  command(type: string, data: unknown, actor: string, role?: Role): Promise<CommandResult>;
  query<R>(
    name: QueryName,
    params: QueryParams<QueryName>,
    options?: { timeoutMs?: number },
  ): Promise<R>;
  logs(params: Omit<ContainerLogsRequest, 'inbox'>): ReturnType<typeof requestLogs>;
};

/** `nats()` may be undefined while the process is still starting: then it is "unavailable". */
export const natsGateway = (nats: () => NatsConnection | undefined): Gateway => {
  const connection = () => {
    const nc = nats();
    if (nc === undefined) throw new UnavailableError('berth is still starting');
    return nc;
  };
  return {
    command: (type, data, actor, role) =>
      sendCommand(
        connection(),
        {
          type,
          data,
          metadata: { commandId: nextCommandId(), actor, ...(role === undefined ? {} : { role }) },
        },
        { timeoutMs: 10_000, retries: 2 },
      ),
    query: (name, params, options) => sendQuery(connection(), name, params, options),
    logs: (params) => requestLogs(connection(), params),
  };
};
