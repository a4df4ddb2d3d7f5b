import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Env, Hono } from 'hono';

/** One file of the dashboard's build, held in memory with its gzip form. */
export type StaticFile = {
  path: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer>;
};
/** The dashboard's files by URL path (`/index.html`, `/assets/index-3f2a.js`). */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where `@berth/dashboard` builds its files; undefined when the package is not there. */
export const dashboardDir = (): string | undefined => {
  try {
    const manifest = createRequire(import.meta.url).resolve('@berth/dashboard/package.json');
    return join(dirname(manifest), 'dist', 'web');
  } catch {
    return undefined;
  }
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

/**
 * Reads the whole build once (a few hundred KB): serving never touches the disk, and no
 * request path is ever joined onto a file system path. An absent build is an empty map.
 */
export const loadStaticFiles = (dir: string | undefined): StaticFiles => {
  const files = new Map<string, StaticFile>();
  if (dir === undefined) return files;
  let paths: string[];
  try {
    paths = walk(dir);
  } catch {
    return files;
  }
  for (const file of paths) {
    const path = `/${relative(dir, file).split(sep).join('/')}`;
    const body = readFileSync(file);
    files.set(path, {
      path,
      body: new Uint8Array(body),
      gzipped: new Uint8Array(gzipSync(body, { level: 9 })),
      type: TYPES[extname(file)] ?? 'application/octet-stream',
    });
  }
  return files;
};

// The pages load nothing from elsewhere and talk only to this origin.
const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the dashboard at `/` without a session: the files hold no data, the pages call
 * `/api/*` with the token like any client. Registered last, so it never shadows a route.
 */
export const dashboardRoutes = <E extends Env>(app: Hono<E>, files: StaticFiles) => {
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const file = files.get(c.req.path === '/' ? '/index.html' : c.req.path);
    if (file === undefined) return next();
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    c.header('Content-Type', file.type);
    c.header('Vary', 'Accept-Encoding');
    c.header('X-Content-Type-Options', 'nosniff');
    // Built names carry a content hash, so they never change; index.html names the current ones.
    c.header(
      'Cache-Control',
      file.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    if (file.type.startsWith('text/html')) {
      c.header('Content-Security-Policy', CSP);
      c.header('Referrer-Policy', 'no-referrer');
    }
    if (gzip) c.header('Content-Encoding', 'gzip');
    return c.body(gzip ? file.gzipped : file.body);
  });
};
