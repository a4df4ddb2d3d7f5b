import type { AuditEvent } from '@berth/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, authHeaders, failure } from './api';
import { sseParser } from './sse';

/**
 * The change stream (`GET /api/events/stream`), read with fetch so it carries the token. One
 * connection for all pages; after a drop it resumes with `Last-Event-ID`, so nothing is missed.
 * Pages do not patch their data from events: an event says "something changed", and a page
 * loads its view again (the read model is the truth, and the event may be ahead of it).
 */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

const eventListeners = new Set<(event: AuditEvent) => void>();
const changeListeners = new Set<() => void>();
const statusListeners = new Set<(status: StreamStatus) => void>();
let status: StreamStatus = 'connecting';
let running: AbortController | undefined;

const setStatus = (next: StreamStatus) => {
  status = next;
  for (const listener of statusListeners) listener(next);
};

// Loads again soon after a burst (not once per event), and once more a little later for the
// read model to catch up with what the log already said.
let soon: ReturnType<typeof setTimeout> | undefined;
let later: ReturnType<typeof setTimeout> | undefined;
const changed = () => {
  const notify = () => {
    for (const listener of changeListeners) listener();
  };
  soon ??= setTimeout(() => {
    soon = undefined;
    notify();
  }, 300);
  if (later !== undefined) clearTimeout(later);
  later = setTimeout(notify, 1500);
};

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Where to resume if the first connection drops before it brings an event: after the newest
 * event this account may see (a connection without `Last-Event-ID` starts at the log's head).
 */
const newestPosition = async () => {
  const response = await fetch('/api/events?count=1', { headers: authHeaders() });
  if (!response.ok) throw await failure(response);
  const [newest] = (await response.json()) as AuditEvent[];
  return String(newest?.position ?? 0);
};

const follow = async (signal: AbortSignal) => {
  let lastEventId = await newestPosition().catch(() => undefined);
  let retryMs = 500;
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/events/stream', {
        headers: {
          ...authHeaders(),
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        signal,
      });
      if (!response.ok || response.body === null) throw await failure(response);
      setStatus('live');
      retryMs = 500;
      changed(); // what happened while (re)connecting
      const parse = sseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parse(value)) {
          if (message.event === 'error') continue; // the server closes next; we resume
          if (message.id !== undefined) lastEventId = message.id;
          const event = JSON.parse(message.data) as AuditEvent;
          for (const listener of eventListeners) listener(event);
          changed();
        }
      }
    } catch (error) {
      if (signal.aborted || (error instanceof ApiError && error.status === 401)) return;
    }
    setStatus('reconnecting');
    await pause(retryMs, signal);
    retryMs = Math.min(retryMs * 2, 10_000);
  }
};

export const startStream = () => {
  running?.abort();
  running = new AbortController();
  setStatus('connecting');
  void follow(running.signal);
};
export const stopStream = () => {
  running?.abort();
  running = undefined;
};

/** Calls `listener` with every event the stream brings while the component is shown. */
export const useEvents = (listener: (event: AuditEvent) => void) => {
  const current = useRef(listener);
  current.current = listener;
  useEffect(() => {
    const call = (event: AuditEvent) => current.current(event);
    eventListeners.add(call);
    return () => void eventListeners.delete(call);
  }, []);
};

export const useStreamStatus = () => {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    return () => void statusListeners.delete(setValue);
  }, []);
  return value;
};

export type Loaded<T> = { data: T | undefined; error: ApiError | undefined; reload: () => void };

/** `load()`'s answer, loaded again whenever the stream says something changed or `deps` do. */
export const useLive = <T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> => {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    changeListeners.add(bump);
    return () => void changeListeners.delete(bump);
  }, []);
  useEffect(() => {
    const asked = ++latest.current;
    load().then(
      (value) => {
        if (asked !== latest.current) return; // an older answer arriving late
        setData(value);
        setError(undefined);
      },
      (reason: unknown) => {
        if (asked !== latest.current) return;
        setError(reason instanceof ApiError ? reason : new ApiError(0, 'client', String(reason)));
      },
    );
  }, [tick, ...deps]);
  return { data, error, reload: () => setTick((n) => n + 1) };
};
