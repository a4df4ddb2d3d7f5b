/** The API as the dashboard calls it: same origin, the token kept across reloads. */

const TOKEN_KEY = 'berth.token';

/** An API error as `{error:{code,message,field?}}` said it (or as the network failed). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let token = localStorage.getItem(TOKEN_KEY) ?? '';
let onSignedOut: () => void = () => undefined;

export const currentToken = () => token;
export const setToken = (value: string) => {
  token = value;
  if (value === '') localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, value);
};
/** Called when the API no longer knows the token (expired, logged out elsewhere). */
export const whenSignedOut = (callback: () => void) => {
  onSignedOut = callback;
};

export const authHeaders = (): Record<string, string> =>
  token === '' ? {} : { authorization: `Bearer ${token}` };

/** Turns a non-2xx answer into an ApiError; a 401 also ends the session here. */
export const failure = async (response: Response) => {
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string; field?: string } } | undefined;
  const error = body?.error;
  if (response.status === 401 && token !== '') {
    setToken('');
    onSignedOut();
  }
  return new ApiError(
    response.status,
    error?.code ?? 'http',
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.field,
  );
};

export const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(path, {
    method,
    headers: {
      ...authHeaders(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new ApiError(0, 'network', `the API did not answer: ${String(error)}`);
  });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
};

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);
