import type Docker from 'dockerode';
import {
  containerStream,
  ContainerLogsRequest,
  queueGroupOf,
  subjects,
  type LogChunk,
} from '@berth/contracts';
import { parseJson, validate, encode, type NatsConnection } from '@berth/bus';
import { fold } from '@berth/decider';
import { NotFoundError, toErrorDetail } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { LogDemuxer } from '../demux.js';
import { containerDecider } from '../domain/container.js';

/**
 * A container's output over NATS: the request is answered `{ ok }` at once, then the output
 * goes to the caller's inbox as chunks, ending with `{ end }`. `<inbox>.cancel` stops a follow.
 */
export const serveLogs = (
  nc: NatsConnection,
  log: EventLog,
  docker: (engine: string, timeoutMs: number) => Docker,
  logger: Logger,
) => {
  const send = (inbox: string, chunk: LogChunk) => nc.publish(inbox, encode(chunk));

  const stream = async (request: ContainerLogsRequest) => {
    const state = fold(
      containerDecider,
      (await log.readStream(containerStream(request.id))) as never[],
    );
    if (state.dockerId === undefined || state.status === 'destroyed')
      throw new NotFoundError(`container ${request.id} has no output (not created, or destroyed)`);
    const container = docker(state.engine, request.follow ? 0 : 15_000).getContainer(
      state.dockerId,
    );
    const options = {
      stdout: request.stdout,
      stderr: request.stderr,
      ...(request.tail === 'all' ? {} : { tail: request.tail }),
    };
    const demuxer = new LogDemuxer((which, data) =>
      send(request.inbox, { stream: which, data: data.toString('utf8') }),
    );
    if (!request.follow) {
      return async () => {
        try {
          demuxer.push(await container.logs({ ...options, follow: false }));
          send(request.inbox, { end: true });
        } catch (error) {
          send(request.inbox, { end: true, error: String((error as Error).message) });
        }
      };
    }
    const output = await container.logs({ ...options, follow: true });
    const cancel = nc.subscribe(`${request.inbox}.cancel`, {
      max: 1,
      callback: () => (output as { destroy?: () => void }).destroy?.(),
    });
    return async () => {
      try {
        for await (const chunk of output as AsyncIterable<Buffer>) demuxer.push(chunk);
        send(request.inbox, { end: true });
      } catch (error) {
        send(request.inbox, { end: true, error: String((error as Error).message) });
      } finally {
        cancel.unsubscribe();
      }
    };
  };

  const subscription = nc.subscribe(subjects.logs, {
    queue: queueGroupOf('docker-executor'),
    callback: (error, msg) => {
      if (error !== null) return;
      void (async () => {
        try {
          const request = validate(ContainerLogsRequest, parseJson(msg.data));
          const pump = await stream(request);
          msg.respond(encode({ ok: true }));
          await pump();
        } catch (failure) {
          if (msg.reply !== undefined)
            msg.respond(encode({ ok: false, error: toErrorDetail(failure) }));
          logger.debug({ err: failure }, 'logs not served');
        }
      })();
    },
  });
  return { stop: () => subscription.drain() };
};
