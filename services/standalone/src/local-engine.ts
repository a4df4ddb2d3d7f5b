import { existsSync } from 'node:fs';
import { sendCommand, sendQuery, type NatsConnection } from '@berth/bus';
import type { Engine } from '@berth/contracts';
import { newCommandId } from '@berth/ids';
import type { Logger } from '@berth/log';

/**
 * One-machine mode adds this machine's own Docker as engine `local` (through the same AddEngine
 * command an admin would send), unless an engine already uses that socket.
 */
export const addLocalEngine = async (nc: NatsConnection, socket: string, logger: Logger) => {
  if (!existsSync(socket)) return;
  const addr = `unix://${socket}`;
  const engines = await sendQuery<Engine[]>(nc, 'ListEngines', {});
  if (engines.some((e) => e.addr === addr || e.id === 'local')) return;
  try {
    await sendCommand(nc, {
      type: 'AddEngine',
      data: { id: 'local', addr, labels: [] },
      metadata: { commandId: newCommandId(), actor: 'system' },
    });
    logger.info({ addr }, 'added the local Docker engine');
  } catch (error) {
    logger.warn({ err: error, addr }, 'the local Docker engine was not added');
  }
};
