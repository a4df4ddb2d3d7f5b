import type { Account } from '@berth/contracts';
import { useState } from 'preact/hooks';
import { ConfirmButton, Field, FormError, Problem, Table } from '../components';
import { ApiError, del, get, post } from '../lib/api';
import { useForm } from '../lib/form';
import { useLive } from '../lib/live';
import type { Me } from '../lib/session';

const AddAccount = () => {
  const form = useForm({ username: '', password: '', role: 'user' });
  const { error, bind } = form;
  return (
    <form
      class="panel"
      noValidate
      aria-labelledby="add-account"
      onSubmit={(e) => {
        e.preventDefault();
        void form.send(() => post('/api/account', form.values), true);
      }}
    >
      <h2 id="add-account">Add an account</h2>
      <FormError error={error} fields={['username', 'password', 'role']} />
      <div class="grid">
        <Field id="account-username" name="username" label="New username" error={error}>
          {(p) => <input {...p} {...bind('username')} autocomplete="off" />}
        </Field>
        <Field id="account-password" name="password" label="New password" error={error}>
          {(p) => (
            <input {...p} {...bind('password')} type="password" autocomplete="new-password" />
          )}
        </Field>
        <Field id="account-role" name="role" label="Role" error={error}>
          {(p) => (
            <select {...p} value={form.values.role} onChange={bind('role').onInput}>
              <option value="user">user</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        Add account
      </button>
    </form>
  );
};

export const Accounts = ({ me }: { me: Me }) => {
  const { data, error, reload } = useLive(() => get<Account[]>('/api/account'), []);
  const [deleteError, setDeleteError] = useState<ApiError>();
  const remove = (account: Account) =>
    del(`/api/account/${encodeURIComponent(account.id)}`).then(
      () => {
        setDeleteError(undefined);
        reload();
      },
      (reason: unknown) => setDeleteError(reason instanceof ApiError ? reason : undefined),
    );
  return (
    <>
      <h1 tabIndex={-1}>Accounts</h1>
      <Problem error={error ?? deleteError} />
      <Table caption="Accounts">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">ID</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((account) => (
            <tr key={account.id}>
              <th scope="row">{account.username}</th>
              <td>{account.role}</td>
              <td>
                <code>{account.id}</code>
              </td>
              <td>
                {account.username === me.username ? (
                  'you'
                ) : (
                  <ConfirmButton
                    label="Delete"
                    question={`Delete account ${account.username}?`}
                    onConfirm={() => remove(account)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      <AddAccount />
    </>
  );
};
