import type { Container } from '@berth/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Badge, ConfirmButton, Problem, Table, when } from '../components';
import { ApiError, del, get, post } from '../lib/api';
import { useLive } from '../lib/live';
import { useLog } from '../lib/log';
import { go } from '../lib/route';

const short = (id: string) => id.slice(-10).toLowerCase();
const ports = (c: Container) =>
  c.ports.map((p) => `${p.host}→${p.container}/${p.protocol}`).join(', ');

/** Start, stop, restart and destroy (asked once more) for one container. */
const Actions = ({
  container,
  onDestroyed,
}: {
  container: Container;
  onDestroyed?: () => void;
}) => {
  const [error, setError] = useState<ApiError>();
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError(undefined);
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : undefined);
    }
  };
  const path = `/api/containers/${container.id}`;
  const name = `${container.name} (${short(container.id)})`;
  if (container.state === 'destroyed') return null;
  return (
    <div class="actions" role="group" aria-label={`Actions for ${name}`}>
      {container.state === 'running' ? (
        <>
          <button type="button" onClick={() => void act(() => post(`${path}/stop`))}>
            Stop
          </button>
          <button type="button" onClick={() => void act(() => post(`${path}/restart`))}>
            Restart
          </button>
        </>
      ) : (
        <button type="button" onClick={() => void act(() => post(`${path}/start`))}>
          Start
        </button>
      )}
      <ConfirmButton
        label="Destroy"
        question={`Destroy ${name}?`}
        onConfirm={() =>
          act(async () => {
            await del(path);
            onDestroyed?.();
          })
        }
      />
      <Problem error={error} />
    </div>
  );
};

export const Containers = ({ admin, group }: { admin: boolean; group: string | undefined }) => {
  const [all, setAll] = useState(false);
  const query = new URLSearchParams({
    ...(all ? { all: '1' } : {}),
    ...(group === undefined ? {} : { group }),
  });
  const { data, error } = useLive(
    () => get<Container[]>(`/api/containers?${query.toString()}`),
    [all, group],
  );
  return (
    <>
      <h1 tabIndex={-1}>Containers</h1>
      <div class="toolbar">
        {group === undefined ? null : (
          <p>
            In group {short(group)} · <a href="#/containers">show every group</a>
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />{' '}
          Show stopped and destroyed
        </label>
      </div>
      <Problem error={error} />
      <Table caption="Containers">
        <thead>
          <tr>
            <th scope="col">Container</th>
            <th scope="col">Image</th>
            <th scope="col">Engine</th>
            <th scope="col">State</th>
            <th scope="col">Health</th>
            <th scope="col">Restarts</th>
            <th scope="col">Ports</th>
            {admin ? <th scope="col">Owner</th> : null}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((c) => (
            <tr key={c.id} data-container={c.id}>
              <th scope="row">
                <a href={`#/containers/${c.id}`}>
                  {c.name} <small>{short(c.id)}</small>
                </a>
              </th>
              <td>{c.image}</td>
              <td>{c.engine}</td>
              <td>
                <Badge value={c.state} />
              </td>
              <td>{c.health === null ? '—' : <Badge value={c.health} />}</td>
              <td class="num">{c.restarts}</td>
              <td>{ports(c)}</td>
              {admin ? <td>{c.owner}</td> : null}
              <td>
                <Actions container={c} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {data?.length === 0 ? <p>No containers.</p> : null}
    </>
  );
};

const LogPanel = ({ id }: { id: string }) => {
  const [follow, setFollow] = useState(true);
  const { text, state } = useLog(id, follow);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <div class="toolbar">
        <label class="check">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow(e.currentTarget.checked)}
          />{' '}
          Follow live
        </label>
        <span role="status">{state === 'following' ? 'following…' : state}</span>
      </div>
      <pre class="log" ref={box} tabIndex={0} aria-label="Container output">
        {text}
      </pre>
    </section>
  );
};

export const ContainerDetail = ({ id }: { id: string }) => {
  const { data, error } = useLive(
    () => get<Container>(`/api/containers/${encodeURIComponent(id)}`),
    [id],
  );
  return (
    <>
      <h1 tabIndex={-1}>Container {data?.name ?? short(id)}</h1>
      <p>
        <a href="#/containers">All containers</a>
      </p>
      <Problem error={error} />
      {data === undefined ? null : (
        <>
          <dl class="facts">
            <dt>ID</dt>
            <dd>{data.id}</dd>
            <dt>State</dt>
            <dd>
              <Badge value={data.state} /> {data.reason ?? ''}
            </dd>
            <dt>Health</dt>
            <dd>{data.health === null ? 'no health check' : <Badge value={data.health} />}</dd>
            <dt>Image</dt>
            <dd>{data.image}</dd>
            <dt>Engine</dt>
            <dd>{data.engine}</dd>
            <dt>Group</dt>
            <dd>
              <a href={`#/containers?group=${data.group}`}>{short(data.group)}</a> (revision{' '}
              {data.revision})
            </dd>
            <dt>Reserved</dt>
            <dd>
              {data.cpus} CPUs, {data.memory} MB
            </dd>
            <dt>Ports</dt>
            <dd>{ports(data) || 'none'}</dd>
            <dt>Restarts</dt>
            <dd>{data.restarts}</dd>
            <dt>Created</dt>
            <dd>{when(data.createdAt)}</dd>
          </dl>
          <Actions container={data} onDestroyed={() => go('#/containers')} />
          <LogPanel id={data.id} />
        </>
      )}
    </>
  );
};
