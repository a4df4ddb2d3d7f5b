import type { Group } from '@berth/contracts';
import { useState } from 'preact/hooks';
import { ConfirmButton, Field, FormError, Problem, StateBar, Table } from '../components';
import { get, post } from '../lib/api';
import { useForm } from '../lib/form';
import { useLive } from '../lib/live';
import { EMPTY_RUN_FORM, numberOrText, runBody, splitWords } from '../lib/spec';

const RUN_FIELDS = [
  'name',
  'image',
  'cmd',
  'count',
  'cpus',
  'memory',
  'ports',
  'env',
  'healthcheck',
];

const RunForm = () => {
  const form = useForm({ ...EMPTY_RUN_FORM, count: '1' });
  const [accepted, setAccepted] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    const count = encodeURIComponent(form.values.count.trim());
    const ok = await form.send(async () => {
      const { group } = await post<{ group: string }>(
        `/api/containers?count=${count}`,
        runBody(form.values),
      );
      setAccepted(group);
    });
    if (!ok) setAccepted('');
  };
  const { error, bind } = form;
  return (
    <form class="panel" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="run-title">
      <h2 id="run-title">Run a service</h2>
      <FormError error={error} fields={RUN_FIELDS} />
      <div class="grid">
        <Field
          id="run-name"
          name="name"
          label="Name (optional)"
          error={error}
          hint="a DNS label; the router serves <name>.<domain>"
        >
          {(p) => <input {...p} {...bind('name')} />}
        </Field>
        <Field id="run-image" name="image" label="Image" error={error}>
          {(p) => <input {...p} {...bind('image')} placeholder="berth/busybox:test" />}
        </Field>
        <Field
          id="run-command"
          name="cmd"
          label="Command"
          error={error}
          hint="words as in a shell, quotes allowed"
        >
          {(p) => <input {...p} {...bind('command')} placeholder="sleep 300" />}
        </Field>
        <Field id="run-count" name="count" label="Replicas" error={error}>
          {(p) => <input {...p} {...bind('count')} inputMode="numeric" />}
        </Field>
        <Field id="run-cpus" name="cpus" label="CPUs" error={error} hint="default 0.1">
          {(p) => <input {...p} {...bind('cpus')} inputMode="decimal" />}
        </Field>
        <Field id="run-memory" name="memory" label="Memory (MB)" error={error} hint="default 64">
          {(p) => <input {...p} {...bind('memory')} inputMode="numeric" />}
        </Field>
        <Field
          id="run-ports"
          name="ports"
          label="Ports"
          error={error}
          hint="80, 8080:80 or 53/udp; comma or line apart"
        >
          {(p) => <input {...p} {...bind('ports')} />}
        </Field>
        <Field
          id="run-env"
          name="env"
          label="Environment"
          error={error}
          hint="KEY=value, one a line"
        >
          {(p) => <textarea {...p} {...bind('env')} rows={2} />}
        </Field>
        <Field
          id="run-health"
          name="healthcheck"
          label="Health check command"
          error={error}
          hint="runs in the container; empty for none"
        >
          {(p) => <input {...p} {...bind('healthCommand')} placeholder="test -e /tmp/ready" />}
        </Field>
        <Field
          id="run-health-interval"
          name="healthInterval"
          label="Health check interval (s)"
          error={error}
        >
          {(p) => <input {...p} {...bind('healthInterval')} inputMode="numeric" placeholder="10" />}
        </Field>
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        Run
      </button>
      {accepted === '' ? null : (
        <p role="status" class="ok">
          Accepted: group {accepted}. Its replicas appear below as they start.
        </p>
      )}
    </form>
  );
};

const UpdateForm = ({ group, onDone }: { group: Group; onDone: () => void }) => {
  const form = useForm({
    image: group.image,
    command: (group.spec.cmd ?? []).join(' '),
    cpus: '',
    memory: '',
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    const { image, command, cpus, memory } = form.values;
    const spec = {
      ...(image.trim() === group.image ? {} : { image: image.trim() }),
      ...(command === (group.spec.cmd ?? []).join(' ') ? {} : { cmd: splitWords(command) }),
      ...(cpus.trim() === '' ? {} : { cpus: numberOrText(cpus) }),
      ...(memory.trim() === '' ? {} : { memory: numberOrText(memory) }),
    };
    if (await form.send(() => post(`/api/groups/${group.id}/update`, { spec }))) onDone();
  };
  const id = `update-${group.id}`;
  return (
    <form
      class="inline-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label={`Update ${label(group)}`}
    >
      <FormError error={form.error} fields={['image', 'cmd', 'cpus', 'memory']} prefix="spec." />
      <Field id={`${id}-image`} name="image" prefix="spec." label="New image" error={form.error}>
        {(p) => <input {...p} {...form.bind('image')} />}
      </Field>
      <Field id={`${id}-command`} name="cmd" prefix="spec." label="New command" error={form.error}>
        {(p) => <input {...p} {...form.bind('command')} />}
      </Field>
      <Field id={`${id}-cpus`} name="cpus" prefix="spec." label="New CPUs" error={form.error}>
        {(p) => <input {...p} {...form.bind('cpus')} />}
      </Field>
      <Field
        id={`${id}-memory`}
        name="memory"
        prefix="spec."
        label="New memory (MB)"
        error={form.error}
      >
        {(p) => <input {...p} {...form.bind('memory')} />}
      </Field>
      <button type="submit" class="primary" disabled={form.busy}>
        Start rolling update
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
};

const label = (group: Group) => group.name ?? group.id.slice(-8).toLowerCase();

const GroupRow = ({ group, admin }: { group: Group; admin: boolean }) => {
  const scale = useForm({ count: String(group.desired) });
  const [updating, setUpdating] = useState(false);
  const rollback = useForm({});
  const id = `scale-${group.id}`;
  return (
    <>
      <tr>
        <th scope="row">
          <a href={`#/containers?group=${group.id}`}>{label(group)}</a>
        </th>
        <td>{group.image}</td>
        {admin ? <td>{group.owner}</td> : null}
        <td>{group.revision}</td>
        <td class="num" data-testid="desired">
          {group.desired}
        </td>
        <td>
          <StateBar counts={group.replicas} />
          {group.pending === undefined ? null : <small class="warn">{group.pending.reason}</small>}
        </td>
        <td>
          {group.update === undefined
            ? ''
            : `${group.update.state}${group.update.rollback ? ' (rollback)' : ''} r${group.update.revision}`}
        </td>
        <td>
          <div class="actions">
            <form
              class="scale"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void scale.send(() =>
                  post(
                    `/api/groups/${group.id}/scale?count=${encodeURIComponent(scale.values.count.trim())}`,
                  ),
                );
              }}
            >
              <label for={id} class="visually-hidden">
                Replicas for {label(group)}
              </label>
              <input
                id={id}
                {...scale.bind('count')}
                inputMode="numeric"
                size={3}
                aria-invalid={scale.error === undefined ? undefined : 'true'}
                aria-describedby={scale.error === undefined ? undefined : `${id}-error`}
              />
              <button type="submit" disabled={scale.busy}>
                Scale
              </button>
              {scale.error === undefined ? null : (
                <p id={`${id}-error`} class="field-error" role="alert">
                  {scale.error.message}
                </p>
              )}
            </form>
            <button type="button" onClick={() => setUpdating((u) => !u)} aria-expanded={updating}>
              Update
            </button>
            {group.revision > 1 ? (
              <ConfirmButton
                label="Roll back"
                question={`Roll ${label(group)} back?`}
                onConfirm={() => rollback.send(() => post(`/api/groups/${group.id}/rollback`))}
              />
            ) : null}
            <Problem error={rollback.error} />
          </div>
        </td>
      </tr>
      {updating ? (
        <tr>
          <td colSpan={admin ? 8 : 7}>
            <UpdateForm group={group} onDone={() => setUpdating(false)} />
          </td>
        </tr>
      ) : null}
    </>
  );
};

export const Services = ({ admin }: { admin: boolean }) => {
  const { data, error } = useLive(() => get<Group[]>('/api/groups'), []);
  return (
    <>
      <h1 tabIndex={-1}>Services</h1>
      <RunForm />
      <Problem error={error} />
      <Table caption="Services">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Image</th>
            {admin ? <th scope="col">Owner</th> : null}
            <th scope="col">Revision</th>
            <th scope="col">Wanted</th>
            <th scope="col">Replicas</th>
            <th scope="col">Update</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((group) => (
            <GroupRow key={group.id} group={group} admin={admin} />
          ))}
        </tbody>
      </Table>
      {data?.length === 0 ? <p>Nothing runs yet: run a service with the form above.</p> : null}
    </>
  );
};
