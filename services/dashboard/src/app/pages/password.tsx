import { useState } from 'preact/hooks';
import { Field, FormError } from '../components';
import { post } from '../lib/api';
import { useForm } from '../lib/form';

export const Password = () => {
  const form = useForm({ oldPassword: '', newPassword: '' });
  const [done, setDone] = useState(false);
  const { error, bind } = form;
  return (
    <>
      <h1 tabIndex={-1}>Change password</h1>
      <form
        class="panel narrow"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void form.send(() => post('/account/passwdchange', form.values), true).then(setDone);
        }}
      >
        <FormError error={error} fields={['oldPassword', 'newPassword']} />
        <Field id="old-password" name="oldPassword" label="Current password" error={error}>
          {(p) => (
            <input
              {...p}
              {...bind('oldPassword')}
              type="password"
              autocomplete="current-password"
            />
          )}
        </Field>
        <Field id="new-password" name="newPassword" label="New password" error={error}>
          {(p) => (
            <input {...p} {...bind('newPassword')} type="password" autocomplete="new-password" />
          )}
        </Field>
        <button type="submit" class="primary" disabled={form.busy}>
          Change password
        </button>
        {done ? (
          <p role="status" class="ok">
            Password changed.
          </p>
        ) : null}
      </form>
    </>
  );
};
