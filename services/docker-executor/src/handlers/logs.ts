import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import {
  containerStream,
  ContainerLogsRequest,
  LOG_CHUNK_BYTES,
  queueGroupOf,
  subjects,
} from '@berth/contracts';
import { encode, logSender, parseJson, validate, type NatsConnection } from '@berth/bus';
import { fold } from '@berth/decider';
import { within } from '@berth/docker';
import { NotFoundError, toErrorDetail } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { LogDemuxer } from '../demux.js';
import { containerDecider } from '../domain/container.js';
import { OutputPieces, type Piece } from '../output-pieces.js';

/** How long Docker may take to start answering a logs request. */
const OPEN_TIMEOUT_MS = 15_000;

/**
 * Docker's log output as a stream, followed or not. dockerode buffers a non-followed answer
 * whole, so it is dialled here as a stream either way; reads then go only as fast as the
 * reader acknowledges (no idle timeout: a paused reader is not a dead daemon).
 */
const openOutput = (container: Docker.Container, options: Record<string, unknown>) =>
  within(
    OPEN_TIMEOUT_MS,
    new Promise<Readable>((resolve, reject) => {
      (
        container.modem as { dial: (o: object, cb: (e: Error | null, s: Readable) => void) => void }
      ).dial(
        {
          path: `/containers/${container.id}/logs?`,
          method: 'GET',
          isStream: true,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options,
        },
        (error, stream) => (error ? reject(error) : resolve(stream)),
      );
    }),
  );

/**
 * A container's output over NATS: the request is answered `{ ok }` at once, then the output
 * goes to the caller's inbox in chunks of at most `LOG_CHUNK_BYTES`, paced by the caller's
 * acknowledgements, ending with `{ end }` (with `cutAtBytes` when `maxBytes` cut it short).
 * `<inbox>.cancel` stops it.
 */
export const serveLogs = (
  nc: NatsConnection,
  log: EventLog,
  docker: (engine: string, timeoutMs: number) => Docker,
  logger: Logger,
) => {
  const stream = async (request: ContainerLogsRequest) => {
    const state = fold(
      containerDecider,
      (await log.readStream(containerStream(request.id))) as never[],
    );
    if (state.dockerId === undefined || state.status === 'destroyed')
      throw new NotFoundError(`container ${request.id} has no output (not created, or destroyed)`);
    const output = await openOutput(docker(state.engine, 0).getContainer(state.dockerId), {
      stdout: request.stdout,
      stderr: request.stderr,
      follow: request.follow,
      ...(request.tail === 'all' ? {} : { tail: request.tail }),
      ...(request.since === undefined ? {} : { since: request.since }),
      ...(request.until === undefined ? {} : { until: request.until }),
    });
    const sender = logSender(nc, request.inbox, () => output.destroy());
    const pieces = new OutputPieces(LOG_CHUNK_BYTES, request.maxBytes);
    let ready: Piece[] = [];
    const demuxer = new LogDemuxer((which, data) => ready.push(...pieces.push(which, data)));
    return async () => {
      try {
        for await (const chunk of output as AsyncIterable<Buffer>) {
          demuxer.push(chunk);
          const batch = [...ready, ...pieces.flush()];
          ready = [];
          for (const piece of batch) await sender.send(piece);
          if (pieces.cut) break;
        }
        sender.end(
          pieces.cut && request.maxBytes !== undefined ? { cutAtBytes: request.maxBytes } : {},
        );
      } catch (error) {
        sender.end({ error: String((error as Error).message) });
      } finally {
        output.destroy();
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
