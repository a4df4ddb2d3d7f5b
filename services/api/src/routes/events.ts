import type { Hono } from 'hono';
import {
  describeEvent,
  matchesFilter,
  storeFilter,
  visibleTo,
  withoutProbeDetail,
} from '@berth/audit';
import {
  AuditQueryParams,
  EventStreamParams,
  EventsPageParams,
  positionParam,
  type AuditEvent,
  type RecordedEvent,
  type Session,
} from '@berth/contracts';
import { UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { ChangeFeed, type ChangeFeedOptions } from '../change-feed.js';
import type { Gateway } from '../gateway.js';
import { OwnerIndex } from '../owners.js';
import { SharedBytes } from '../shared-gzip.js';
import { streamEvents, type SseSink } from '../sse-sink.js';
import { parseParam, singleParams, toValidationError } from '../validate.js';
import { z } from 'zod';

type Env = { Variables: { session: Session } };

/**
 * All clients of this instance share one subscription (`ChangeFeed`); each keeps its own
 * position and reads the log itself while behind, so none can slow the log or another client.
 * What one client may hold is its socket's buffer: a client that leaves an event unaccepted
 * for `writeTimeoutMs` is sent an error event and closed.
 * (A client far behind but reading is catching up, not slow, and is never cut off.)
 */
export type ChangeStreamLimits = { writeTimeoutMs: number };
export const DEFAULT_STREAM_LIMITS: ChangeStreamLimits = { writeTimeoutMs: 5000 };

const Paging = EventsPageParams;
const StreamStart = EventStreamParams;

/** Splits the query string into the audit filter and the route's own parameters, checking both. */
const parseQuery = <S extends z.ZodObject>(query: Record<string, string>, own: S) => {
  const ownKeys = new Set(Object.keys(own.shape));
  const pick = (mine: boolean) =>
    Object.fromEntries(Object.entries(query).filter(([k]) => ownKeys.has(k) === mine));
  const filter = AuditQueryParams.safeParse(pick(false));
  if (!filter.success) throw toValidationError(filter.error);
  const params = own.safeParse(pick(true));
  if (!params.success) throw toValidationError(params.error);
  return { filter: filter.data, params: params.data };
};

/** A comment this often keeps a quiet stream alive through clients' and proxies' idle timeouts. */
const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = new SharedBytes(Buffer.from(': keep-alive\n\n'));

// A quarter of a second between writes to each client: a thousand clients cost a thousand
// writes per flush, so fewer, fuller writes keep them off the command path.
const FEED: ChangeFeedOptions = { queueLimit: 10_000, batchSize: 500, flushMs: 250 };

/**
 * An event as every client gets it: described, framed as SSE and encoded once for all of them
 * (a thousand clients would otherwise each encode the same text), and once more for non-admins
 * when they may not read all of it (`withoutProbeDetail`).
 */
type StreamItem = { position: number; view: AuditEvent; frame: Buffer; userFrame: Buffer };
const frameOf = (view: AuditEvent) =>
  Buffer.from(`id: ${view.position}\ndata: ${JSON.stringify(view)}\n\n`);
const streamItem = (event: RecordedEvent): StreamItem => {
  const view = describeEvent(event);
  const frame = frameOf(view);
  const forUser = withoutProbeDetail(event);
  return {
    position: event.position,
    view,
    frame,
    userFrame: forUser === event ? frame : frameOf(describeEvent(forUser)),
  };
};

/**
 * The bytes of a batch. Clients woken by one flush mostly hold the very same items: the last
 * batch joined is handed to the next client that has it, rather than copied (and compressed)
 * once per client.
 */
let lastJoined:
  | { first: StreamItem; last: StreamItem; count: number; user: boolean; bytes: SharedBytes }
  | undefined;
const bytesOf = (items: StreamItem[], user: boolean): SharedBytes => {
  const first = items[0] as StreamItem;
  const last = items.at(-1) as StreamItem;
  const j = lastJoined;
  if (j?.first === first && j.last === last && j.count === items.length && j.user === user)
    return j.bytes;
  const bytes = new SharedBytes(
    Buffer.concat(items.map((item) => (user ? item.userFrame : item.frame))),
  );
  lastJoined = { first, last, count: items.length, user, bytes };
  return bytes;
};

const timeout = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * `work`, or 'timeout' after `ms`. The timer goes as soon as the work is done: with a thousand
 * clients written to every flush, timers left to run out would pile up by the hundred thousand.
 */
const orTimeout = <T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
};

/** GET /api/events (newest first, paged) and GET /api/events/stream (SSE, catch-up then live). */
export const eventRoutes = (
  app: Hono<Env>,
  gateway: Gateway,
  log: () => EventLog | undefined,
  limits: ChangeStreamLimits,
) => {
  let feed: ChangeFeed<StreamItem> | undefined;
  const feedOf = (events: EventLog) =>
    feed?.log === events ? feed : (feed = new ChangeFeed(events, streamItem, FEED));
  let owners: { log: EventLog; index: OwnerIndex } | undefined;
  const ownersOf = (events: EventLog) => {
    if (owners?.log !== events) owners = { log: events, index: new OwnerIndex(events) };
    return owners.index;
  };
  /** A user sees only events about its own work, engines and itself; an admin all. */
  const viewerOf = ({ role, username, accountId }: Session) =>
    role === 'admin' ? undefined : { username, accountId };

  app.get('/api/events', async (c) => {
    const { filter, params } = parseQuery(singleParams(c), Paging);
    const viewer = viewerOf(c.get('session'));
    const page = await gateway.query<{ events: AuditEvent[]; next: number | null }>('ListEvents', {
      filter,
      ...(viewer === undefined ? {} : { viewer }),
      count: params.count,
      ...(params.before === undefined ? {} : { before: params.before }),
    });
    if (page.next !== null) c.header('X-Next-Before', String(page.next));
    return c.json(page.events);
  });

  app.get('/api/events/stream', async (c) => {
    const { filter, params } = parseQuery(singleParams(c), StreamStart);
    const events = log();
    if (events === undefined) throw new UnavailableError('berth is still starting');
    const lastEventId = c.req.header('last-event-id');
    const from =
      params.from ??
      (lastEventId === undefined
        ? (await events.head()) + 1
        : parseParam(positionParam, lastEventId, 'Last-Event-ID') + 1);

    return streamEvents(c, async (stream: SseSink) => {
      const viewer = viewerOf(c.get('session'));
      const index = viewer === undefined ? undefined : ownersOf(events);
      const visible =
        viewer === undefined || index === undefined ? undefined : visibleTo(viewer, index.ownerOf);
      const filtered = Object.values(filter).some((value) => value !== undefined);
      const subscription = feedOf(events).follow(
        from,
        storeFilter(filter),
        filtered ? ({ view }) => matchesFilter(view, filter) : undefined,
      );
      const keepAlive = setInterval(
        () => void Promise.resolve(stream.write(KEEP_ALIVE)).catch(() => undefined),
        KEEP_ALIVE_MS,
      );
      stream.onAbort(() => {
        clearInterval(keepAlive);
        subscription.close();
      });
      const cutOff = async (message: string) => {
        subscription.close();
        const data = JSON.stringify({ error: { code: 'slow_consumer', message } });
        await Promise.race([
          Promise.resolve(stream.write(`event: error\ndata: ${data}\n\n`)),
          timeout(100),
        ]);
      };
      for await (const batch of subscription) {
        await index?.settle(batch.map((item) => item.view));
        const items = visible === undefined ? batch : batch.filter((item) => visible(item.view));
        if (items.length === 0) continue;
        const taken = stream.write(bytesOf(items, viewer !== undefined));
        if (taken !== true && (await orTimeout(taken, limits.writeTimeoutMs)) === 'timeout') {
          await cutOff(
            `took longer than ${limits.writeTimeoutMs} ms to take an event; reconnect with Last-Event-ID`,
          );
          break;
        }
      }
      clearInterval(keepAlive);
      await stream.close();
    });
  });

  app.post('/api/admin/verify', async (c) =>
    c.json(await gateway.query('VerifyLog', {}, { timeoutMs: 300_000 })),
  );
  app.post('/api/admin/replay', async (c) =>
    c.json(await gateway.query('ReplayReadModel', {}, { timeoutMs: 300_000 })),
  );
};
