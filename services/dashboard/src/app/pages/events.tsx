import type { AuditEvent } from '@berth/contracts';
import { useEffect, useState } from 'preact/hooks';
import { Problem, when } from '../components';
import { ApiError, authHeaders, failure } from '../lib/api';
import { useEvents } from '../lib/live';

const FILTERS = [
  { key: 'type', label: 'Type', hint: 'e.g. ContainerStarted,GroupScaled' },
  { key: 'actor', label: 'Actor' },
  { key: 'container', label: 'Container' },
  { key: 'group', label: 'Group' },
  { key: 'engine', label: 'Engine' },
] as const;
type Filter = Partial<Record<(typeof FILTERS)[number]['key'], string>>;

/** Whether a live event passes the filter the page was loaded with (the API's rules). */
const matches = (event: AuditEvent, filter: Filter) =>
  (filter.type === undefined ||
    filter.type
      .split(',')
      .map((t) => t.trim())
      .includes(event.type)) &&
  (filter.actor === undefined || event.actor === filter.actor) &&
  (filter.container === undefined || event.refs.container === filter.container) &&
  (filter.group === undefined || event.refs.group === filter.group) &&
  (filter.engine === undefined || event.refs.engine === filter.engine);

const page = async (filter: Filter, before?: number) => {
  const query = new URLSearchParams({
    count: '100',
    ...filter,
    ...(before === undefined ? {} : { before: String(before) }),
  });
  const response = await fetch(`/api/events?${query.toString()}`, { headers: authHeaders() });
  if (!response.ok) throw await failure(response);
  const next = response.headers.get('x-next-before');
  return {
    events: (await response.json()) as AuditEvent[],
    next: next === null ? undefined : Number(next),
  };
};

export const Events = () => {
  const [draft, setDraft] = useState<Filter>({});
  const [filter, setFilter] = useState<Filter>({});
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<number>();
  const [error, setError] = useState<ApiError>();
  const fail = (reason: unknown) => setError(reason instanceof ApiError ? reason : undefined);

  useEffect(() => {
    page(filter).then((p) => {
      setEvents(p.events);
      setNext(p.next);
      setError(undefined);
    }, fail);
  }, [filter]);
  // New events go on top as they happen; one already shown (after a reconnect) is not repeated.
  useEvents((event) => {
    if (!matches(event, filter)) return;
    setEvents((old) => (old.some((e) => e.position === event.position) ? old : [event, ...old]));
  });

  return (
    <>
      <h1 tabIndex={-1}>Events</h1>
      <form
        class="panel filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '')));
        }}
      >
        {FILTERS.map(({ key, label }) => (
          <div class="field">
            <label for={`filter-${key}`}>{label}</label>
            <input
              id={`filter-${key}`}
              value={draft[key] ?? ''}
              onInput={(e) => setDraft((d) => ({ ...d, [key]: e.currentTarget.value }))}
            />
          </div>
        ))}
        <button type="submit" class="primary">
          Filter
        </button>
      </form>
      <Problem error={error} />
      <ol class="timeline-list" aria-label="Events, newest first">
        {events.map((event) => (
          <li key={event.position} data-type={event.type}>
            <time dateTime={event.at}>{when(event.at)}</time>
            <span class="event-type">{event.type}</span>
            <span class="event-actor">{event.actor}</span>
            <span class="event-message">{event.message}</span>
          </li>
        ))}
      </ol>
      {events.length === 0 ? <p>No events.</p> : null}
      {next === undefined ? null : (
        <button
          type="button"
          onClick={() =>
            void page(filter, next).then((p) => {
              setEvents((old) => [...old, ...p.events]);
              setNext(p.next);
            }, fail)
          }
        >
          Older events
        </button>
      )}
    </>
  );
};
