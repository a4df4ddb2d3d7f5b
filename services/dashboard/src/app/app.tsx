import { useEffect, useRef, useState } from 'preact/hooks';
import { currentToken, get, post, setToken, whenSignedOut } from './lib/api';
import { startStream, stopStream, useStreamStatus } from './lib/live';
import { useRoute, type Route } from './lib/route';
import type { Me } from './lib/session';
import { Accounts } from './pages/accounts';
import { ContainerDetail, Containers } from './pages/containers';
import { Engines } from './pages/engines';
import { Events } from './pages/events';
import { Login } from './pages/login';
import { Overview } from './pages/overview';
import { Password } from './pages/password';
import { Services } from './pages/services';

const PAGES = [
  { hash: '#/', name: 'Overview', admin: false },
  { hash: '#/services', name: 'Services', admin: false },
  { hash: '#/containers', name: 'Containers', admin: false },
  { hash: '#/engines', name: 'Engines', admin: false },
  { hash: '#/events', name: 'Events', admin: false },
  { hash: '#/accounts', name: 'Accounts', admin: true },
] as const;

const Page = ({ route, me }: { route: Route; me: Me }) => {
  const [first, second] = route.path;
  const admin = me.role === 'admin';
  switch (first) {
    case undefined:
      return <Overview />;
    case 'services':
      return <Services admin={admin} />;
    case 'containers':
      return second === undefined ? (
        <Containers admin={admin} group={route.query.get('group') ?? undefined} />
      ) : (
        <ContainerDetail id={second} />
      );
    case 'engines':
      return <Engines admin={admin} />;
    case 'events':
      return <Events />;
    case 'accounts':
      return admin ? <Accounts me={me} /> : <NotFound />;
    case 'password':
      return <Password />;
    default:
      return <NotFound />;
  }
};

const NotFound = () => (
  <>
    <h1 tabIndex={-1}>Not found</h1>
    <p>
      There is no such page. <a href="#/">Go to the overview</a>.
    </p>
  </>
);

const StreamState = () => {
  const status = useStreamStatus();
  return (
    <span class={`stream stream-${status}`} role="status">
      {status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
};

export const App = () => {
  // undefined: still asking the API whether the kept token is good.
  const [me, setMe] = useState<Me | null | undefined>(currentToken() === '' ? null : undefined);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    if (me === undefined) get<Me>('/api/me').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (me === null || me === undefined) return stopStream();
    startStream();
    return stopStream;
  }, [me?.username]);
  // A keyboard or screen-reader user lands on the new page's heading, not back at the top.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }, [route.path.join('/')]);

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;

  const current = `#/${route.path[0] ?? ''}`;
  const logout = async () => {
    await post('/auth/logout').catch(() => undefined);
    setToken('');
    setMe(null);
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Berth
        </a>
        <nav aria-label="Main">
          <ul>
            {PAGES.filter((page) => !page.admin || me.role === 'admin').map((page) => (
              <li>
                <a href={page.hash} aria-current={current === page.hash ? 'page' : undefined}>
                  {page.name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <StreamState />
          <span>
            {me.username} ({me.role})
          </span>
          <a href="#/password">Password</a>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} me={me} />
      </main>
    </>
  );
};
