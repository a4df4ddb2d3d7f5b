/** A JSON client for a running Berth, authenticated with a bearer token. */
export const apiClient = (baseUrl: string, token: () => string) => {
  const call = async <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token()}`,
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // a text body (logs) stays text
    }
    return { status: response.status, body: parsed as T };
  };
  return {
    call,
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    delete: <T = unknown>(path: string) => call<T>('DELETE', path),
  };
};

/** Logs in and returns the session token. */
export const login = async (baseUrl: string, username: string, password: string) => {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ username, password }),
  });
  return ((await response.json()) as { token: string }).token;
};

/** Polls until `check` holds; returns the milliseconds it took, or fails after `limitMs`. */
export const within = async (
  limitMs: number,
  what: string,
  check: () => Promise<boolean>,
  /** What the failure message adds: the state that did not come, as it was at the end. */
  explain?: () => Promise<string>,
) => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) {
      const why = explain === undefined ? '' : `; ${await explain().catch(String)}`;
      throw new Error(`${what}: not within ${limitMs} ms${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
};

/** What a Docker host holds, asked over its own API (the truth the tests compare against). */
export const dockerContainers = async (
  dockerUrl: string,
  label: string,
): Promise<{ Id: string; Labels: Record<string, string>; State: string; Names: string[] }[]> => {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const base = dockerUrl.replace(/^tcp:/, 'http:');
  const response = await fetch(`${base}/containers/json?all=1&filters=${filters}`, {
    signal: AbortSignal.timeout(5000),
  });
  return (await response.json()) as never;
};

/** Adds a test host as an engine and waits until the heartbeat finds it healthy. */
export const addHealthyEngine = async (
  api: ReturnType<typeof apiClient>,
  id: string,
  dockerUrl: string,
) => {
  const added = await api.post('/api/engines', { id, addr: dockerUrl, cpus: 2, memory: 2048 });
  if (added.status !== 201) throw new Error(`engine ${id} not added: ${JSON.stringify(added)}`);
  await within(
    10_000,
    `engine ${id} healthy`,
    async () =>
      // Another api instance's projector may not know the engine yet: a 404 until it does.
      (await api.get<{ health?: { status: string } }>(`/api/engines/${id}`)).body.health?.status ===
      'healthy',
  );
};

/**
 * What the Berth containers on a Docker host reserve, read from Docker's own HostConfig (CPUs,
 * MB): the sums an engine's capacity must cover.
 */
export const dockerReservations = async (dockerUrl: string) => {
  const base = dockerUrl.replace(/^tcp:/, 'http:');
  const limits = await Promise.all(
    (await dockerContainers(dockerUrl, 'berth.container')).map(async (c) => {
      const r = await fetch(`${base}/containers/${c.Id}/json`, {
        signal: AbortSignal.timeout(5000),
      });
      return ((await r.json()) as { HostConfig: { NanoCpus: number; Memory: number } }).HostConfig;
    }),
  );
  return {
    cpus: limits.reduce((sum, l) => sum + l.NanoCpus, 0) / 1e9,
    memory: limits.reduce((sum, l) => sum + l.Memory, 0) / 1024 / 1024,
  };
};
