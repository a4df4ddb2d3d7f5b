import type { Engine } from '@berth/contracts';
import { useState } from 'preact/hooks';
import { Badge, ConfirmButton, Field, FormError, Problem, Reserved, Table } from '../components';
import { ApiError, del, get, post } from '../lib/api';
import { useForm } from '../lib/form';
import { useLive } from '../lib/live';
import { numberOrText } from '../lib/spec';

const AddEngine = () => {
  const form = useForm({ id: '', addr: '', cpus: '', memory: '', labels: '' });
  const submit = (event: Event) => {
    event.preventDefault();
    const { id, addr, cpus, memory, labels } = form.values;
    const body = {
      id: id.trim(),
      addr: addr.trim(),
      ...(cpus.trim() === '' ? {} : { cpus: numberOrText(cpus) }),
      ...(memory.trim() === '' ? {} : { memory: numberOrText(memory) }),
      labels: labels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    };
    void form.send(() => post('/api/engines', body), true);
  };
  const { error, bind } = form;
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="add-engine">
      <h2 id="add-engine">Add an engine</h2>
      <FormError error={error} fields={['id', 'addr', 'cpus', 'memory', 'labels']} />
      <div class="grid">
        <Field id="engine-id" name="id" label="ID" error={error}>
          {(p) => <input {...p} {...bind('id')} />}
        </Field>
        <Field
          id="engine-addr"
          name="addr"
          label="Address"
          error={error}
          hint="tcp://host:2375 or unix:///var/run/docker.sock"
        >
          {(p) => <input {...p} {...bind('addr')} />}
        </Field>
        <Field
          id="engine-cpus"
          name="cpus"
          label="CPUs"
          error={error}
          hint="default: what Docker reports"
        >
          {(p) => <input {...p} {...bind('cpus')} inputMode="decimal" />}
        </Field>
        <Field
          id="engine-memory"
          name="memory"
          label="Memory (MB)"
          error={error}
          hint="default: what Docker reports"
        >
          {(p) => <input {...p} {...bind('memory')} inputMode="numeric" />}
        </Field>
        <Field id="engine-labels" name="labels" label="Labels" error={error} hint="comma apart">
          {(p) => <input {...p} {...bind('labels')} />}
        </Field>
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        Add engine
      </button>
    </form>
  );
};

export const Engines = ({ admin }: { admin: boolean }) => {
  const { data, error } = useLive(() => get<Engine[]>('/api/engines'), []);
  const [removeError, setRemoveError] = useState<ApiError>();
  const remove = (id: string) =>
    del(`/api/engines/${encodeURIComponent(id)}`).then(
      () => setRemoveError(undefined),
      (reason: unknown) => setRemoveError(reason instanceof ApiError ? reason : undefined),
    );
  return (
    <>
      <h1 tabIndex={-1}>Engines</h1>
      <Problem error={error ?? removeError} />
      <Table caption="Engines">
        <thead>
          <tr>
            <th scope="col">Engine</th>
            <th scope="col">Health</th>
            <th scope="col">Reserved</th>
            <th scope="col">Address</th>
            <th scope="col">Docker</th>
            <th scope="col">Labels</th>
            {admin ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((engine) => (
            <tr key={engine.id} data-engine={engine.id}>
              <th scope="row">{engine.id}</th>
              <td>
                <Badge value={engine.health.status} />
                {engine.health.responseTimeMs === null ? null : (
                  <small> {engine.health.responseTimeMs} ms</small>
                )}
                {engine.insecure ? <small class="warn"> insecure: plain TCP</small> : null}
                {engine.schedulable ? null : <small class="warn"> not schedulable</small>}
              </td>
              <td class="meters-cell">
                <Reserved of={engine} />
              </td>
              <td>{engine.addr}</td>
              <td>{engine.dockerVersion}</td>
              <td>{engine.labels.join(', ')}</td>
              {admin ? (
                <td>
                  <ConfirmButton
                    label="Remove"
                    question={`Remove engine ${engine.id}?`}
                    onConfirm={() => remove(engine.id)}
                  />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
      {admin ? <AddEngine /> : null}
    </>
  );
};
