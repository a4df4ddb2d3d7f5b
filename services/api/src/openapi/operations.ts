import { z } from 'zod';
import {
  Account,
  AccountWithQuota,
  AddAccountBody,
  AddEngineBody,
  AuditEvent,
  AuditQueryParams,
  ChangePasswordBody,
  ClusterInfo,
  Container,
  DestroyAccepted,
  Engine,
  EventStreamParams,
  EventsPageParams,
  Group,
  Health,
  JoinAccepted,
  JoinEngineBody,
  JoinTokenAnswer,
  ListContainersParams,
  ListGroupsParams,
  LoginBody,
  LoginResult,
  LogsParams,
  RegistryCredentials,
  RegistryCredentialsBody,
  ReplayReport,
  RunAccepted,
  RunBody,
  RunParams,
  ScaleAccepted,
  ScaleParams,
  SetQuotaBody,
  UpdateAccepted,
  UpdateBody,
  VerifyReport,
} from '@berth/contracts';

/** What a successful answer carries: a JSON document, nothing (204), text, or an SSE stream. */
export type Answer =
  | { status: number; json: z.ZodType; description: string; headers?: Record<string, string> }
  | { status: number; kind: 'empty' | 'text' | 'sse' | 'html' | 'prometheus'; description: string };

/**
 * One HTTP operation as the OpenAPI document shows it. The schemas are the very ones the routes
 * validate with, so the document cannot describe a body the route does not take.
 */
export type Operation = {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Hono's spelling (`:id`); the document turns it into `{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** No session needed (login, health, the document itself). */
  open?: boolean;
  /** Only admins (the role map in access.ts). */
  admin?: boolean;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Record<string, string>;
  answer: Answer;
  /** Error statuses beyond the ones every operation of its kind has. */
  errors?: number[];
};

const json = (status: number, schema: z.ZodType, description: string): Answer => ({
  status,
  json: schema,
  description,
});
const empty: Answer = { status: 204, kind: 'empty', description: 'Done.' };

const accounts: Operation[] = [
  {
    method: 'get',
    path: '/api/account',
    summary: 'List accounts',
    tag: 'accounts',
    admin: true,
    answer: json(200, z.array(Account), 'Every account.'),
  },
  {
    method: 'get',
    path: '/api/account/:id',
    summary: 'Inspect an account by id or username',
    tag: 'accounts',
    admin: true,
    answer: json(200, Account, 'The account.'),
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/account',
    summary: 'Add an account',
    tag: 'accounts',
    admin: true,
    body: AddAccountBody,
    answer: json(201, Account, 'The account added.'),
    errors: [409],
  },
  {
    method: 'delete',
    path: '/api/account',
    summary: 'Delete an account named by ?id= or ?username=',
    tag: 'accounts',
    admin: true,
    query: z.object({ id: z.string().max(64).optional(), username: z.string().optional() }),
    answer: empty,
    errors: [404, 422],
  },
  {
    method: 'delete',
    path: '/api/account/:id',
    summary: 'Delete an account by id or username',
    tag: 'accounts',
    admin: true,
    answer: empty,
    errors: [404, 422],
  },
  {
    method: 'get',
    path: '/api/accounts/:username',
    summary: 'Inspect an account with its quota and usage',
    tag: 'accounts',
    admin: true,
    answer: json(200, AccountWithQuota, 'The account, its quota and usage.'),
    errors: [404],
  },
  {
    method: 'put',
    path: '/api/accounts/:username/quota',
    summary: 'Set the whole quota of an account (a field left out goes back to its default)',
    tag: 'accounts',
    admin: true,
    body: SetQuotaBody,
    answer: json(200, AccountWithQuota, 'The account with its new quota.'),
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/me',
    summary: 'The caller’s own account, quota and usage',
    tag: 'accounts',
    answer: json(200, AccountWithQuota, 'The caller’s account.'),
  },
];

const auth: Operation[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Log in; the token goes in `Authorization: Bearer <token>`',
    tag: 'auth',
    open: true,
    body: LoginBody,
    answer: json(200, LoginResult, 'A session token and when it expires.'),
    errors: [400, 401, 429, 503],
  },
  {
    method: 'post',
    path: '/auth/logout',
    summary: 'End the session of the token given',
    tag: 'auth',
    answer: empty,
  },
  {
    method: 'post',
    path: '/account/passwdchange',
    summary: 'Change the caller’s password',
    tag: 'auth',
    body: ChangePasswordBody,
    answer: empty,
    errors: [422],
  },
];

const engines: Operation[] = [
  {
    method: 'get',
    path: '/api/engines',
    summary: 'List engines with health and reservations',
    tag: 'engines',
    answer: json(200, z.array(Engine), 'Every engine.'),
  },
  {
    method: 'get',
    path: '/api/engines/:id',
    summary: 'Inspect an engine',
    tag: 'engines',
    answer: json(200, Engine, 'The engine.'),
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/engines',
    summary: 'Add a Docker engine by hand (checked against the engine itself)',
    tag: 'engines',
    admin: true,
    body: AddEngineBody,
    answer: json(201, Engine, 'The engine added.'),
    errors: [409, 422],
  },
  {
    method: 'delete',
    path: '/api/engines/:id',
    summary: 'Remove an engine',
    tag: 'engines',
    admin: true,
    answer: empty,
    errors: [404, 409, 422],
  },
  {
    method: 'get',
    path: '/api/agents/join-token',
    summary: 'The join token agents present',
    tag: 'engines',
    admin: true,
    answer: json(200, JoinTokenAnswer, 'The join token.'),
  },
  {
    method: 'post',
    path: '/agents/join',
    summary: 'An agent joins (and repeats within its ttl to stay joined) with the join token',
    tag: 'engines',
    open: true,
    body: JoinEngineBody,
    answer: json(202, JoinAccepted, 'The registration is accepted.'),
    errors: [400, 401, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/api/cluster/info',
    summary: 'Capacity, reservations and counts of the whole cluster',
    tag: 'engines',
    answer: json(200, ClusterInfo, 'The cluster’s totals.'),
  },
];

const containerAction = (action: string): Operation => ({
  method: 'post',
  path: `/api/containers/:id/${action}`,
  summary: `${action[0]?.toUpperCase()}${action.slice(1)} a container`,
  tag: 'containers',
  answer: json(200, Container, 'The container after the command.'),
  errors: [404, 409, 422],
});

const containers: Operation[] = [
  {
    method: 'get',
    path: '/api/containers',
    summary: 'List containers (running ones unless ?all=true)',
    tag: 'containers',
    query: ListContainersParams,
    answer: json(200, z.array(Container), 'The containers the caller may see.'),
  },
  {
    method: 'post',
    path: '/api/containers',
    summary: 'Run a group of `count` replicas of an image',
    tag: 'containers',
    query: RunParams,
    body: RunBody,
    answer: json(202, RunAccepted, 'Placed; progress shows on the change stream.'),
    errors: [409, 422],
  },
  {
    method: 'get',
    path: '/api/containers/:id',
    summary: 'Inspect a container by id or unique prefix',
    tag: 'containers',
    answer: json(200, Container, 'The container.'),
    errors: [404, 409],
  },
  {
    method: 'delete',
    path: '/api/containers/:id',
    summary: 'Destroy a container',
    tag: 'containers',
    answer: json(202, DestroyAccepted, 'Being destroyed.'),
    errors: [404, 409, 422],
  },
  containerAction('start'),
  containerAction('stop'),
  containerAction('restart'),
  {
    method: 'post',
    path: '/api/containers/:id/scale',
    summary: 'Scale the group of a container to `count` replicas',
    tag: 'containers',
    query: ScaleParams,
    answer: json(202, ScaleAccepted, 'Replicas placed or released.'),
    errors: [404, 409, 422],
  },
  {
    method: 'get',
    path: '/api/containers/:id/logs',
    summary: 'A container’s output (cut at BERTH_LOGS_MAX_BYTES unless it follows)',
    tag: 'containers',
    query: LogsParams,
    answer: { status: 200, kind: 'text', description: 'The output as text.' },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/api/groups',
    summary: 'List groups',
    tag: 'groups',
    query: ListGroupsParams,
    answer: json(200, z.array(Group), 'The groups the caller may see.'),
  },
  {
    method: 'get',
    path: '/api/groups/:group',
    summary: 'Inspect a group by id or service name',
    tag: 'groups',
    answer: json(200, Group, 'The group.'),
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/groups/:group/scale',
    summary: 'Scale a group to `count` replicas',
    tag: 'groups',
    query: ScaleParams,
    answer: json(202, ScaleAccepted, 'Replicas placed or released.'),
    errors: [404, 409, 422],
  },
  {
    method: 'post',
    path: '/api/groups/:group/update',
    summary: 'Start a rolling update to the fields given over the current spec',
    tag: 'groups',
    body: UpdateBody,
    answer: json(202, UpdateAccepted, 'The update started.'),
    errors: [404, 409, 422],
  },
  {
    method: 'post',
    path: '/api/groups/:group/rollback',
    summary: 'Roll a group back to its previous revision',
    tag: 'groups',
    answer: json(202, UpdateAccepted, 'The rollback started.'),
    errors: [404, 409, 422],
  },
];

const events: Operation[] = [
  {
    method: 'get',
    path: '/api/events',
    summary: 'Events, newest first, a page at a time',
    tag: 'events',
    query: z.object({ ...AuditQueryParams.shape, ...EventsPageParams.shape }),
    answer: {
      status: 200,
      json: z.array(AuditEvent),
      description: 'A page of events.',
      headers: { 'X-Next-Before': 'The `before` of the next page, when there is one.' },
    },
  },
  {
    method: 'get',
    path: '/api/events/stream',
    summary: 'The change stream (SSE): catch-up from a position, then live',
    tag: 'events',
    query: z.object({ ...AuditQueryParams.shape, ...EventStreamParams.shape }),
    headers: { 'Last-Event-ID': 'Resume after this position (when `from` is not given).' },
    answer: {
      status: 200,
      kind: 'sse',
      description:
        'One `data:` frame per event (an AuditEvent as JSON, its position as `id:`); a client ' +
        'too slow to take events gets an `error` event and is closed.',
    },
  },
  {
    method: 'post',
    path: '/api/admin/verify',
    summary: 'Verify the event log’s hash chain',
    tag: 'admin',
    admin: true,
    answer: json(200, VerifyReport, 'Whether the chain holds, or where it breaks.'),
  },
  {
    method: 'post',
    path: '/api/admin/replay',
    summary: 'Rebuild the read model from position 0 and compare it with the live one',
    tag: 'admin',
    admin: true,
    answer: json(200, ReplayReport, 'What the replay found.'),
  },
];

const registries: Operation[] = [
  {
    method: 'get',
    path: '/api/registries',
    summary: 'List the registries pulls log in to (usernames only)',
    tag: 'registries',
    admin: true,
    answer: json(200, z.array(RegistryCredentials), 'Every registry with stored credentials.'),
  },
  {
    method: 'put',
    path: '/api/registries/:registry',
    summary: "Store a registry's credentials, the password sealed",
    tag: 'registries',
    admin: true,
    body: RegistryCredentialsBody,
    answer: json(200, RegistryCredentials, 'Stored; pulls from this registry use them.'),
  },
  {
    method: 'delete',
    path: '/api/registries/:registry',
    summary: "Forget a registry's credentials",
    tag: 'registries',
    admin: true,
    answer: empty,
    errors: [404],
  },
];

const operate: Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Readiness: started and every dependency answers',
    tag: 'operate',
    open: true,
    answer: json(200, Health, 'Ready (503 with the same body while not).'),
    errors: [503],
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'operate',
    open: true,
    answer: json(200, z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document.'),
  },
  {
    method: 'get',
    path: '/docs',
    summary: 'This document as a page',
    tag: 'operate',
    open: true,
    answer: { status: 200, kind: 'html', description: 'An HTML page listing every operation.' },
  },
  {
    method: 'get',
    path: '/',
    summary: 'The web dashboard (its scripts and styles under /assets/)',
    tag: 'operate',
    open: true,
    answer: { status: 200, kind: 'html', description: 'The dashboard page.' },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (`berth_*`)',
    tag: 'operate',
    open: true,
    answer: { status: 200, kind: 'prometheus', description: 'Prometheus text format.' },
  },
];

/** Every route the API serves; a test fails when the app and this list differ. */
export const operations: readonly Operation[] = [
  ...auth,
  ...accounts,
  ...engines,
  ...containers,
  ...registries,
  ...events,
  ...operate,
];
