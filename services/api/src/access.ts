import type { Role } from '@berth/contracts';

// What a `user` may reach, by path prefix (the thesis' role map) and method. Admins reach
// everything. Engines are read-only for users: an engine decides where everyone's containers
// and secrets go, so adding or removing one is admin business.
const USER_PREFIXES: readonly { prefix: string; methods?: readonly string[] }[] = [
  { prefix: '/api/containers' },
  { prefix: '/api/groups' },
  { prefix: '/api/cluster' },
  { prefix: '/api/events' },
  { prefix: '/api/engines', methods: ['GET', 'HEAD'] },
  { prefix: '/account/passwdchange' },
  { prefix: '/api/me', methods: ['GET', 'HEAD'] },
];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Whether `role` may call `method path`: a user never reaches account routes or engine changes. */
export const mayAccess = (role: Role, method: string, path: string): boolean =>
  role === 'admin' ||
  USER_PREFIXES.some(
    (rule) =>
      under(path, rule.prefix) && (rule.methods === undefined || rule.methods.includes(method)),
  );
