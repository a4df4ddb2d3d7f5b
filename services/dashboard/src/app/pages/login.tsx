import { useState } from 'preact/hooks';
import { Field, FormError } from '../components';
import { ApiError, get, post, setToken } from '../lib/api';
import type { Me } from '../lib/session';

export const Login = ({ onLogin }: { onLogin: (me: Me) => void }) => {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { token } = await post<{ token: string }>('/auth/login', { username, password });
      setToken(token);
      onLogin(await get<Me>('/api/me'));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>Berth</h1>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormError error={error} fields={['username', 'password']} />
        <Field id="login-username" name="username" label="Username" error={error}>
          {(props) => (
            <input
              {...props}
              autocomplete="username"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="login-password" name="password" label="Password" error={error}>
          {(props) => (
            <input
              {...props}
              type="password"
              autocomplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
};
