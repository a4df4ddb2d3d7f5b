import { z } from 'zod';
import { EngineLabels } from './engines.js';
import { Name, Ulid } from './ids.js';
import { commandSchema } from './messages.js';
import { compareInstants, flagParam as Flag, instantParam, wholeNumberParam } from './params.js';

// --- The image spec (SPEC "run") -------------------------------------------------------------
export const PortSpec = z.strictObject({
  container: z.number().int().min(1).max(65_535),
  /** Left out: Docker picks a free host port. */
  host: z.number().int().min(1).max(65_535).optional(),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
});
export type PortSpec = z.infer<typeof PortSpec>;

const Arg = z.string().max(4096);
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name');
const HostName = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a DNS name');

/** A namespace mode Docker knows: one of `modes`, or `container:<name or id>`. */
const NamespaceMode = (modes: string[]) =>
  z
    .string()
    .max(128)
    .refine(
      (mode) => modes.includes(mode) || /^container:[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(mode),
      `must be ${modes.join(', ')} or container:<name>`,
    );

/**
 * A replica's health check: `cmd` runs in the container; `http` asks the container's own
 * port (`wget` inside it, so the image needs busybox's or GNU's wget). Exactly one of the two.
 */
export const HealthcheckSpec = z
  .strictObject({
    cmd: z.array(Arg).min(1).max(64).optional(),
    http: z
      .strictObject({
        port: z.number().int().min(1).max(65_535),
        path: z
          .string()
          .max(1024)
          .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/, 'must be a URL path such as /healthz')
          .default('/'),
      })
      .optional(),
    intervalSeconds: z.number().int().min(1).max(3600).default(10),
    timeoutSeconds: z.number().int().min(1).max(300).default(5),
    retries: z.number().int().min(1).max(100).default(3),
    startPeriodSeconds: z.number().int().min(0).max(3600).default(0),
  })
  .refine(
    (h) => (h.cmd === undefined) !== (h.http === undefined),
    'needs exactly one of cmd or http',
  );
export type HealthcheckSpec = z.infer<typeof HealthcheckSpec>;
export const ContainerHealth = z.enum(['starting', 'healthy', 'unhealthy']);
export type ContainerHealth = z.infer<typeof ContainerHealth>;

/** Defaults: a tenth of a CPU and 64 MB, so every replica has limits and a reservation. */
export const DEFAULT_CPUS = 0.1;
export const DEFAULT_MEMORY_MB = 64;

const MAX_REPLICAS_PER_STEP = 100;

export const ImageSpec = z.strictObject({
  image: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'must be an image reference such as busybox:latest'),
  cmd: z.array(Arg).max(256).optional(),
  entrypoint: z.array(Arg).max(64).optional(),
  env: z.record(EnvName, Arg).optional(),
  /**
   * Environment variables whose values are secret: clear in `RunContainer` (as in `env`), sealed
   * by the scheduler before anything is appended, opened only by the docker-executor as it
   * creates a replica. Read shapes show only their names (`SpecView`).
   */
  secretEnv: z.record(EnvName, Arg).optional(),
  /** CPUs reserved and enforced (Docker NanoCpus), in thousandths at finest. */
  cpus: z
    .number()
    .min(0.01, "at least 0.01 (Docker's smallest CPU quota)")
    .max(1024)
    .refine((n) => Number.isInteger(Math.round(n * 1e6) / 1e3), 'at most three decimals')
    .default(DEFAULT_CPUS),
  cpuset: z
    .string()
    .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'must be like 0-1,3')
    .optional(),
  /** MB, reserved and enforced; Docker needs at least 6. */
  memory: z
    .number()
    .int()
    .min(6)
    .max(64 * 1024 * 1024)
    .default(DEFAULT_MEMORY_MB),
  hostname: HostName.optional(),
  domainname: HostName.optional(),
  /** Engine constraints: every label must be on the engine. */
  labels: EngineLabels.default([]),
  ports: z.array(PortSpec).max(64).default([]),
  /** Docker bind or volume specs: `/host:/container[:ro]` or `name:/container`. */
  volumes: z
    .array(
      z
        .string()
        .max(1024)
        .regex(/^[^:\s]+:\/[^:\s]*(:(ro|rw))?$/, 'must be src:/dest[:ro]'),
    )
    .max(64)
    .optional(),
  links: z
    .array(
      z
        .string()
        .max(256)
        .regex(/^[^:\s]+(:[^:\s]+)?$/, 'must be name[:alias]'),
    )
    .max(64)
    .optional(),
  /** Berth restarts with backoff unless `no` (or `on-failure` after exit 0). */
  restartPolicy: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
  networkMode: z
    .string()
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be a network name')
    .optional(),
  // Options that reach the engine's host: admins only (see host-access.ts).
  privileged: z.boolean().optional(),
  /** Linux capabilities to add, as `NET_ADMIN` or `CAP_NET_ADMIN`. */
  capAdd: z
    .array(z.string().regex(/^(CAP_)?[A-Z][A-Z_]*$/, 'must be a capability such as NET_ADMIN'))
    .max(64)
    .optional(),
  /** Host devices: `/dev/x[:/dev/y][:rwm]`. */
  devices: z
    .array(
      z
        .string()
        .max(256)
        .regex(/^\/dev\/[^:\s]+(:\/[^:\s]+)?(:[rwm]{1,3})?$/, 'must be /dev/x[:/dev/y][:rwm]'),
    )
    .max(32)
    .optional(),
  pidMode: NamespaceMode(['host']).optional(),
  ipcMode: NamespaceMode(['none', 'private', 'shareable', 'host']).optional(),
  utsMode: z.literal('host').optional(),
  usernsMode: z.literal('host').optional(),
  sysctls: z
    .record(z.string().regex(/^[a-z0-9_.]+$/, 'must be a sysctl such as net.ipv4.ip_forward'), Arg)
    .optional(),
  securityOpt: z.array(z.string().min(1).max(256)).max(16).optional(),
  cgroupParent: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9_./-]+$/, 'must be a cgroup path')
    .optional(),

  healthcheck: HealthcheckSpec.optional(),
});
export type ImageSpec = z.infer<typeof ImageSpec>;

/** A spec as the log holds it: each `secretEnv` value sealed (`sealSecret`), so longer than 4096. */
export const SealedImageSpec = ImageSpec.extend({
  secretEnv: z.record(EnvName, z.string()).optional(),
});
export type SealedImageSpec = z.infer<typeof SealedImageSpec>;

/** A spec as read shapes show it: the names of its secret variables, never their values. */
export const SpecView = ImageSpec.extend({ secretEnv: z.array(z.string()).optional() });
export type SpecView = z.infer<typeof SpecView>;
export const specView = ({ secretEnv, ...spec }: SealedImageSpec): SpecView => ({
  ...spec,
  ...(secretEnv === undefined ? {} : { secretEnv: Object.keys(secretEnv) }),
});

/** A service's name: a DNS label, so `<name>.<domain>` reaches it through the router. */
export const ServiceName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be a DNS label: a-z, 0-9 and -');
/** The body of `POST /api/containers`: the image spec, and the service's `name` beside it. */
export const RunBody = ImageSpec.extend({ name: ServiceName.optional() });

/**
 * How a rolling update replaces replicas: `parallelism` at a time; `start-first` starts the new
 * ones before the old ones stop (more capacity for a while, no gap), `stop-first` the other way
 * round. A new replica counts once it has been ready (running, and healthy when the spec has a
 * health check) for `monitorSeconds`; one that fails, turns unhealthy or is not ready within
 * `readyTimeoutSeconds` fails the update, which then rolls back or pauses.
 */
export const UpdateStrategy = z.strictObject({
  parallelism: z.number().int().min(1).max(MAX_REPLICAS_PER_STEP).default(1),
  order: z.enum(['start-first', 'stop-first']).default('start-first'),
  monitorSeconds: z.number().int().min(0).max(3600).default(5),
  readyTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
  failureAction: z.enum(['rollback', 'pause']).default('rollback'),
});
export type UpdateStrategy = z.infer<typeof UpdateStrategy>;

/**
 * A change to a spec: only the fields given, each checked as in a run, none filled in by a
 * default (a default would silently reset what the group has, such as its ports).
 */
export const SpecChange = z.strictObject(
  Object.fromEntries(
    Object.entries(ImageSpec.shape).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault ? field.unwrap() : field).optional(),
    ]),
  ),
) as unknown as z.ZodType<Partial<ImageSpec>>;
export type SpecChange = Partial<ImageSpec>;

/** `POST /api/groups/{group}/update`: spec fields to change (the rest stays), and how. */
export const UpdateBody = z.strictObject({
  spec: SpecChange.default({}),
  strategy: UpdateStrategy.default(UpdateStrategy.parse({})),
});
export type UpdateBody = z.infer<typeof UpdateBody>;

/** How many replicas one command may ask for. */
export const MAX_REPLICAS = 1000;
export const ReplicaCount = z.number().int().min(0).max(MAX_REPLICAS);

// --- HTTP query parameters ----------------------------------------------------------------------
export const RunParams = z.strictObject({
  count: wholeNumberParam(1, MAX_REPLICAS).default(1),
  pull: Flag.default(false),
});
export const ScaleParams = z.strictObject({ count: wholeNumberParam(0, MAX_REPLICAS) });
export const ListContainersParams = z.strictObject({
  all: Flag.default(false),
  group: Ulid.optional(),
  /** Admins only: one account's containers. */
  owner: Name.optional(),
});
/** `GET /api/groups?owner=` (admins only: one account's groups). */
export const ListGroupsParams = z.strictObject({ owner: Name.optional() });
export const LogsParams = z
  .strictObject({
    stdout: Flag.default(true),
    stderr: Flag.default(true),
    tail: z.union([z.literal('all'), wholeNumberParam(0, 100_000)]).default('all'),
    follow: Flag.default(false),
    /** Only output written at or after this instant (RFC 3339 or Unix seconds). */
    since: instantParam.optional(),
    /** Only output written before this instant (RFC 3339 or Unix seconds). */
    until: instantParam.optional(),
  })
  .superRefine((params, ctx) => {
    if (params.since !== undefined && params.until !== undefined)
      if (compareInstants(params.since, params.until) > 0)
        ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be before since' });
  });
export type LogsParams = z.infer<typeof LogsParams>;

// --- Commands -----------------------------------------------------------------------------------
/** scheduler: a new group of `count` replicas of `spec`. */
export const RunContainer = commandSchema(
  'RunContainer',
  z.strictObject({
    spec: ImageSpec,
    count: z.number().int().min(1).max(MAX_REPLICAS),
    pull: z.boolean(),
    /** Unique among live groups (those that want or still have replicas). */
    name: ServiceName.optional(),
  }),
);
/** scheduler: a group's desired count, named by the group or by one of its containers. */
export const ScaleContainer = commandSchema(
  'ScaleContainer',
  z.union([
    z.strictObject({ group: Ulid, count: ReplicaCount }),
    z.strictObject({ container: Ulid, count: ReplicaCount }),
  ]),
);
/** scheduler: takes one replica out of its group for good (the group wants one less). */
export const DestroyContainer = commandSchema('DestroyContainer', z.strictObject({ id: Ulid }));
const OnContainer = z.strictObject({ id: Ulid });
/** docker-executor: lifecycle actions on one container. */
export const StartContainer = commandSchema('StartContainer', OnContainer);
export const StopContainer = commandSchema('StopContainer', OnContainer);
export const RestartContainer = commandSchema('RestartContainer', OnContainer);
/** scheduler: roll a group to a changed spec, replica by replica. */
export const UpdateGroup = commandSchema(
  'UpdateGroup',
  z.strictObject({ group: Ulid, spec: SpecChange, strategy: UpdateStrategy }),
);
/** scheduler: roll a group back to the spec it had before its last update. */
export const RollbackGroup = commandSchema('RollbackGroup', z.strictObject({ group: Ulid }));
export type UpdateGroup = z.infer<typeof UpdateGroup>;
export type RollbackGroup = z.infer<typeof RollbackGroup>;
export type RunContainer = z.infer<typeof RunContainer>;
export type ScaleContainer = z.infer<typeof ScaleContainer>;

/** An instant in Docker's API form, `<seconds>.<nanoseconds>` (as `instantParam` makes it). */
const DockerInstant = z.string().regex(/^\d{1,11}\.\d{9}$/);
/**
 * docker-executor: stream a container's output to `inbox` (request/reply then chunks, paced
 * by the receiver's acknowledgements: see `@berth/bus` logs-flow).
 */
export const ContainerLogsRequest = z.strictObject({
  id: Ulid,
  stdout: z.boolean(),
  stderr: z.boolean(),
  tail: z.union([z.literal('all'), z.number().int().min(0)]),
  follow: z.boolean(),
  since: DockerInstant.optional(),
  until: DockerInstant.optional(),
  /** Stop after this many bytes of output and say so in the end chunk (unset: no limit). */
  maxBytes: z.number().int().positive().optional(),
  inbox: z.string().min(1).max(256),
});
export type ContainerLogsRequest = z.infer<typeof ContainerLogsRequest>;
/**
 * One message on the inbox: at most `LOG_CHUNK_BYTES` of output, numbered from 1 so the
 * receiver can acknowledge it, or the end — with an error when it broke off, or `cutAtBytes`
 * when the request's `maxBytes` cut it short.
 */
export type LogChunk =
  | { seq: number; stream: 'stdout' | 'stderr'; data: string }
  | { end: true; error?: string; cutAtBytes?: number };
/** The most output one log message carries (a few bytes more may finish a UTF-8 character). */
export const LOG_CHUNK_BYTES = 64 * 1024;

// --- Events ---------------------------------------------------------------------------------
const Reserved = { cpus: z.number(), memory: z.number() };
export const PublishedPort = z.object({
  container: z.number(),
  host: z.number(),
  protocol: z.string(),
  hostIp: z.string(),
});
export type PublishedPort = z.infer<typeof PublishedPort>;

export const ContainerEvents = {
  // On the scheduler's `schedule` stream: desired state and reservations, under one version.
  GroupCreated: z.object({
    group: z.string(),
    spec: SealedImageSpec,
    desired: z.number(),
    pull: z.boolean(),
    name: z.string().optional(),
    /** The account that ran it: only it (and admins) may see and change the group. */
    owner: z.string().optional(),
  }),
  GroupScaled: z.object({ group: z.string(), desired: z.number(), previous: z.number() }),
  /** Replicas the group wants that have no engine; `retry` unless they failed on their own. */
  GroupPending: z.object({
    group: z.string(),
    missing: z.number(),
    reason: z.string(),
    retry: z.boolean(),
  }),
  /**
   * A new revision of the group's spec, rolled out by replacing replicas (`rollback`: back to
   * an earlier spec, by hand or because the update failed).
   */
  GroupUpdateStarted: z.object({
    group: z.string(),
    revision: z.number(),
    spec: SealedImageSpec,
    strategy: UpdateStrategy,
    rollback: z.boolean(),
    /** The revision a rollback from this one returns to. */
    previous: z.number().optional(),
    reason: z.string(),
  }),
  /** Every replica runs the revision. */
  GroupUpdateCompleted: z.object({ group: z.string(), revision: z.number() }),
  /** The update stopped replacing replicas (failure action `pause`): an update or rollback goes on. */
  GroupUpdatePaused: z.object({ group: z.string(), revision: z.number(), reason: z.string() }),
  ContainerPlaced: z.object({
    container: z.string(),
    group: z.string(),
    engine: z.string(),
    name: z.string(),
    ...Reserved,
    reason: z.string(),
    /** The group's spec revision it runs; absent: 1, the spec it was created with. */
    revision: z.number().optional(),
  }),
  /** Its reservation is returned; `remove` asks the executor to take it off Docker. */
  ContainerReleased: z.object({
    container: z.string(),
    group: z.string(),
    engine: z.string(),
    ...Reserved,
    reason: z.string(),
    remove: z.boolean(),
  }),
  // On `container-<id>`, written by the docker-executor.
  ContainerCreated: z.object({
    container: z.string(),
    engine: z.string(),
    dockerId: z.string(),
    ports: z.array(PublishedPort),
  }),
  ContainerStarted: z.object({ container: z.string(), engine: z.string() }),
  /** Berth is about to stop or restart it: a `die` that follows is expected, not a failure. */
  ContainerActionRequested: z.object({
    container: z.string(),
    engine: z.string(),
    action: z.enum(['stop', 'restart']),
  }),
  ContainerStopped: z.object({ container: z.string(), engine: z.string() }),
  /** Exited without Berth asking: the scheduler replaces it. */
  ContainerDied: z.object({
    container: z.string(),
    engine: z.string(),
    exitCode: z.number().nullable(),
    reason: z.string(),
  }),
  ContainerFailed: z.object({ container: z.string(), engine: z.string(), reason: z.string() }),
  /** Exited without Berth asking; the executor starts it again at `until` (epoch ms). */
  ContainerBackoff: z.object({
    container: z.string(),
    engine: z.string(),
    exitCode: z.number().nullable(),
    reason: z.string(),
    /** Restarts so far, this one included. */
    restarts: z.number(),
    delayMs: z.number(),
    until: z.number(),
  }),
  /** Exited 0 under restart policy `no` or `on-failure`: done, not failed. */
  ContainerCompleted: z.object({ container: z.string(), engine: z.string(), exitCode: z.number() }),
  /** Docker's health check changed its verdict; `unhealthy` replicas are replaced. */
  ContainerHealthChanged: z.object({
    container: z.string(),
    engine: z.string(),
    health: ContainerHealth,
    reason: z.string(),
  }),
  ContainerDestroyed: z.object({ container: z.string(), engine: z.string(), reason: z.string() }),
  // On `docker-<engine>`: what the engine's Docker reported (tag `docker`).
  DockerContainerEvent: z.object({
    engine: z.string(),
    action: z.string(),
    dockerId: z.string(),
    container: z.string().optional(),
    group: z.string().optional(),
    exitCode: z.number().optional(),
    /** Docker's timeNano, as a string; takeover resumes after it. */
    timeNano: z.string(),
  }),
  /**
   * On `docker-<engine>`: the Docker events of one container left unrecorded because it had
   * more than `limit` in the minute from `from` (a crash loop, a flapping check); what they
   * caused (restarts, health) was still recorded on the container's stream.
   */
  DockerEventsSuppressed: z.object({
    engine: z.string(),
    dockerId: z.string(),
    container: z.string().optional(),
    group: z.string().optional(),
    suppressed: z.number(),
    /** How many of each Docker action. */
    actions: z.record(z.string(), z.number()),
    limit: z.number(),
    from: z.string(),
    until: z.string(),
    /** The last suppressed event's timeNano: a takeover resumes after it. */
    timeNano: z.string(),
  }),
  EngineImagesCounted: z.object({ engine: z.string(), images: z.number() }),
} as const;

export type ContainerEvent = {
  [K in keyof typeof ContainerEvents]: { type: K; data: z.infer<(typeof ContainerEvents)[K]> };
}[keyof typeof ContainerEvents];
export type ContainerEventOf<K extends ContainerEvent['type']> = Extract<
  ContainerEvent,
  { type: K }
>['data'];

export const SCHEDULE_STREAM = 'schedule';
export const containerStream = (id: string) => `container-${id}`;
export const dockerStream = (engine: string) => `docker-${engine}`;
/** The Docker name of a Berth container: derived from its id, so a retried create finds it. */
export const dockerNameOf = (id: string) => `berth-${id.toLowerCase()}`;
export const LABEL_CONTAINER = 'berth.container';
export const LABEL_GROUP = 'berth.group';

// --- Read shapes ------------------------------------------------------------------------------
export const ContainerState = z.enum([
  'pending',
  'running',
  'backoff',
  'stopped',
  'completed',
  'failed',
  'destroyed',
]);
export type ContainerState = z.infer<typeof ContainerState>;

export const Container = z.object({
  id: z.string(),
  name: z.string(),
  group: z.string(),
  owner: z.string(),
  image: z.string(),
  engine: z.string(),
  state: ContainerState,
  ports: z.array(PublishedPort),
  createdAt: z.string(),
  reason: z.string().optional(),
  /** Times Berth started it again after it exited by itself. */
  restarts: z.number(),
  /** null: the spec has no health check. */
  health: ContainerHealth.nullable(),
  dockerId: z.string().optional(),
  cpus: z.number(),
  memory: z.number(),
  /** The group's spec revision it runs. */
  revision: z.number(),
});
export type Container = z.infer<typeof Container>;

export const Group = z.object({
  id: z.string(),
  owner: z.string(),
  /** The service's name, when it was run with one. */
  name: z.string().optional(),
  image: z.string(),
  spec: SpecView,
  /** The spec's revision: 1 as run, one more with each update or rollback. */
  revision: z.number(),
  /** The last rolling update: how far it got. */
  update: z
    .object({
      revision: z.number(),
      state: z.enum(['rolling', 'paused', 'completed']),
      rollback: z.boolean(),
      reason: z.string(),
    })
    .optional(),
  desired: z.number(),
  /** Replicas in the group now, by state. */
  replicas: z.object({
    pending: z.number(),
    running: z.number(),
    backoff: z.number(),
    stopped: z.number(),
    completed: z.number(),
    failed: z.number(),
  }),
  containers: z.array(z.string()),
  pending: z.object({ missing: z.number(), reason: z.string() }).optional(),
  createdAt: z.string(),
});
export type Group = z.infer<typeof Group>;
