import type { Role } from '@berth/contracts';

// What a `user` may reach, by path prefix (the thesis' role map). Admins reach everything.
const USER_PREFIXES = [
  '/api/containers',
  '/api/groups',
  '/api/cluster',
  '/api/events',
  '/api/engines',
  '/account/passwdchange',
];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Whether `role` may call `path`, whatever the method: a user never reaches account routes. */
export const mayAccess = (role: Role, path: string): boolean =>
  role === 'admin' || USER_PREFIXES.some((prefix) => under(path, prefix));
