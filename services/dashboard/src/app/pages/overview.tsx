import type { AuditEvent, ClusterInfo, Engine, Group } from '@berth/contracts';
import { Badge, Meter, Problem, Reserved, StateBar, when } from '../components';
import { get } from '../lib/api';
import { useLive } from '../lib/live';
import { perMinute } from '../lib/timeline';

type View = { info: ClusterInfo; engines: Engine[]; groups: Group[]; events: AuditEvent[] };

const load = async (): Promise<View> => {
  const [info, engines, groups, events] = await Promise.all([
    get<ClusterInfo>('/api/cluster/info'),
    get<Engine[]>('/api/engines'),
    get<Group[]>('/api/groups'),
    get<AuditEvent[]>(`/api/events?count=${NEWEST}`),
  ]);
  return { info, engines, groups, events };
};

const MINUTES = 30;
const NEWEST = 200;

/** Events per minute over the last half hour, as bars. */
export const Timeline = ({ events }: { events: AuditEvent[] }) => {
  const counts = perMinute(
    events.map((e) => e.at),
    Date.now(),
    MINUTES,
  );
  const top = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <figure class="timeline">
      <svg
        viewBox={`0 0 ${MINUTES * 10} 60`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${total} events in the last ${MINUTES} minutes`}
      >
        {counts.map((n, i) => (
          <rect
            x={i * 10 + 1}
            y={60 - (n / top) * 58}
            width={8}
            height={(n / top) * 58}
            class="timeline-bar"
          >
            <title>
              {n} events {MINUTES - 1 - i} minutes ago
            </title>
          </rect>
        ))}
      </svg>
      <figcaption>
        Events per minute, last {MINUTES} minutes: {total}
        {total >= NEWEST ? ' or more' : ''}
      </figcaption>
    </figure>
  );
};

export const Overview = () => {
  const { data, error } = useLive(load, []);
  const replicas: Record<string, number> = {};
  for (const group of data?.groups ?? [])
    for (const [state, n] of Object.entries(group.replicas))
      replicas[state] = (replicas[state] ?? 0) + n;
  const healthy = data?.engines.filter((e) => e.health.status === 'healthy').length ?? 0;
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <Problem error={error} />
      {data === undefined ? (
        <p>Loading…</p>
      ) : (
        <>
          <section class="cards" aria-label="Counts">
            <a class="card" href="#/engines">
              <span class="card-number">{data.info.engineCount}</span> engines
              <small>{healthy} healthy</small>
            </a>
            <a class="card" href="#/services">
              <span class="card-number">{data.groups.length}</span> services
              <small>{data.groups.reduce((n, g) => n + g.desired, 0)} replicas wanted</small>
            </a>
            <a class="card" href="#/containers">
              <span class="card-number">{data.info.containerCount}</span> containers
              <small>{replicas.running ?? 0} running</small>
            </a>
          </section>
          <section aria-labelledby="capacity">
            <h2 id="capacity">Reserved against capacity</h2>
            <div class="meters">
              <Meter label="CPU" used={data.info.reservedCpus} total={data.info.cpus} unit="CPUs" />
              <Meter
                label="Memory"
                used={data.info.reservedMemory}
                total={data.info.memory}
                unit="MB"
              />
            </div>
          </section>
          <section aria-labelledby="engines">
            <h2 id="engines">Engines</h2>
            <div class="engine-grid">
              {data.engines.map((engine) => (
                <article class="engine" aria-label={`Engine ${engine.id}`}>
                  <h3>
                    {engine.id} <Badge value={engine.health.status} />
                  </h3>
                  <Reserved of={engine} />
                </article>
              ))}
              {data.engines.length === 0 ? <p>No engines yet.</p> : null}
            </div>
          </section>
          <section aria-labelledby="replicas">
            <h2 id="replicas">Replicas by state</h2>
            <StateBar counts={replicas} />
          </section>
          <section aria-labelledby="recent">
            <h2 id="recent">Timeline</h2>
            <Timeline events={data.events} />
            <ol class="events">
              {data.events.slice(0, 8).map((event) => (
                <li>
                  <time dateTime={event.at}>{when(event.at)}</time> <strong>{event.type}</strong>{' '}
                  {event.message}
                </li>
              ))}
            </ol>
            <p>
              <a href="#/events">All events</a>
            </p>
          </section>
        </>
      )}
    </>
  );
};
