import { useEffect, useState } from 'preact/hooks';

/** The page in the URL's hash (`#/containers/ID?all=1`): path segments and query. */
export type Route = { path: string[]; query: URLSearchParams };

const parse = (hash: string): Route => {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  return {
    path: path.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
};

// Hash routing: every page is index.html, so the API needs no fallback route.
export const useRoute = () => {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parse(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
};

export const go = (hash: string) => {
  location.hash = hash;
};
