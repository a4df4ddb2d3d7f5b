import {
  ContainerEvents,
  type AccountEvent,
  type AuditEvent,
  type AuditFilter,
  type ContainerEvent,
  type EngineEvent,
  type RecordedEvent,
  type RegistryEvent,
  type RouteChanged,
} from '@berth/contracts';

type Described = Pick<AuditEvent, 'message' | 'tags' | 'refs'>;
type Known = AccountEvent | EngineEvent | RegistryEvent;
const CONTAINER_TYPES = new Set(Object.keys(ContainerEvents));

// Only these say something in words; their secrets (hashes, tokens, TLS) are never copied.
const describeKnown = (event: Known): Described => {
  switch (event.type) {
    case 'AccountAdded':
      return {
        message: `account ${event.data.username} added as ${event.data.role}`,
        tags: ['account'],
        refs: { account: event.data.accountId },
      };
    case 'AccountPasswordSet':
      return {
        message: 'password set',
        tags: ['account', 'security'],
        refs: { account: event.data.accountId },
      };
    case 'AccountDeleted':
      return {
        message: `account ${event.data.username} deleted`,
        tags: ['account'],
        refs: { account: event.data.accountId },
      };
    case 'SessionStarted':
      return {
        message: `logged in from ${event.data.source}`,
        tags: ['account', 'login'],
        refs: { account: event.data.accountId },
      };
    case 'SessionEnded':
      return {
        message: 'logged out',
        tags: ['account', 'login'],
        refs: { account: event.data.accountId },
      };
    case 'LoginFailuresSummarized':
      return {
        message: `${event.data.count} failed login(s) as unknown usernames from ${event.data.since} to ${event.data.until}`,
        tags: ['login', 'security'],
        refs: {},
      };
    case 'AdminRemoved':
      return {
        message: `admin ${event.data.username} leaves the admins (it is being deleted)`,
        tags: ['account'],
        refs: { account: event.data.accountId },
      };
    case 'LoginFailed':
      return {
        message: `failed login as ${event.data.username} from ${event.data.source}: ${event.data.reason}`,
        tags: ['login', 'security'],
        refs: {},
      };
    case 'AccountQuotaSet': {
      const { replicas, cpus, memory } = event.data.limits;
      const shown = (n: number | null) => (n === null ? 'default' : String(n));
      return {
        message: `quota of ${event.data.username} set: ${shown(replicas)} replicas, ${shown(cpus)} CPUs, ${shown(memory)} MB`,
        tags: ['account', 'quota'],
        refs: { account: event.data.accountId },
      };
    }
    case 'EngineAdded':
      return {
        message: `engine ${event.data.id} added at ${event.data.addr} (${event.data.reason ?? event.data.source})`,
        tags: ['engine'],
        refs: { engine: event.data.id },
      };
    case 'EngineRemoved':
      return {
        message: `engine ${event.data.id} removed: ${event.data.reason}`,
        tags: ['engine'],
        refs: { engine: event.data.id },
      };
    case 'EngineJoinRefused':
      return {
        message: `engine ${event.data.id} at ${event.data.addr} not admitted: ${event.data.reason}`,
        tags: ['engine', 'security'],
        refs: { engine: event.data.id },
      };
    case 'RegistryCredentialsSet':
      return {
        message: `registry ${event.data.registry}: pulls authenticate as ${event.data.username}`,
        tags: ['registry', 'security'],
        refs: {},
      };
    case 'RegistryCredentialsRemoved':
      return {
        message: `registry ${event.data.registry}: credentials removed`,
        tags: ['registry', 'security'],
        refs: {},
      };
    case 'EngineLost':
      return {
        message: `engine ${event.data.id} lost: ${event.data.reason}`,
        tags: ['engine'],
        refs: { engine: event.data.id },
      };
    case 'EngineHealthChanged':
      return {
        message: `engine ${event.data.id} is ${event.data.status}: ${event.data.reason}`,
        tags: ['engine', 'health'],
        refs: { engine: event.data.id },
      };
    default:
      return exhaustive(event);
  }
};

const group = (id: string) => `group ${id}`;
const replica = (d: { container: string; engine: string }) =>
  `container ${d.container} on ${d.engine}`;
const refsOf = (d: {
  container?: string | undefined;
  group?: string | undefined;
  engine?: string | undefined;
}) => ({
  ...(d.container === undefined ? {} : { container: d.container }),
  ...(d.group === undefined ? {} : { group: d.group }),
  ...(d.engine === undefined ? {} : { engine: d.engine }),
});

const describeContainerEvent = (event: ContainerEvent): Described => {
  const tags = ['container'];
  switch (event.type) {
    case 'GroupCreated':
      return {
        message: `${group(event.data.group)} created: ${event.data.desired} × ${event.data.spec.image}`,
        tags: ['group', 'run-container'],
        refs: refsOf(event.data),
      };
    case 'GroupScaled':
      return {
        message: `${group(event.data.group)} scaled from ${event.data.previous} to ${event.data.desired}`,
        tags: ['group', 'scale-container'],
        refs: refsOf(event.data),
      };
    case 'GroupUpdateStarted':
      return {
        message: `${group(event.data.group)} ${event.data.rollback ? 'rolls back' : 'updates'} to revision ${event.data.revision} (${event.data.spec.image}): ${event.data.reason}`,
        tags: ['group', 'update'],
        refs: refsOf(event.data),
      };
    case 'GroupUpdateCompleted':
      return {
        message: `${group(event.data.group)} runs revision ${event.data.revision} on every replica`,
        tags: ['group', 'update'],
        refs: refsOf(event.data),
      };
    case 'GroupUpdatePaused':
      return {
        message: `${group(event.data.group)} update to revision ${event.data.revision} paused: ${event.data.reason}`,
        tags: ['group', 'update'],
        refs: refsOf(event.data),
      };
    case 'GroupPending':
      return {
        message:
          event.data.missing === 0
            ? `${group(event.data.group)} has every replica placed`
            : `${group(event.data.group)} waits for ${event.data.missing} replica(s): ${event.data.reason}`,
        tags: ['group', 'scheduler'],
        refs: refsOf(event.data),
      };
    case 'ContainerPlaced':
      return {
        message: `${replica(event.data)} placed (${event.data.reason})`,
        tags: [...tags, 'scheduler'],
        refs: refsOf(event.data),
      };
    case 'ContainerReleased':
      return {
        message: `${replica(event.data)} released: ${event.data.reason}`,
        tags: [...tags, 'scheduler'],
        refs: refsOf(event.data),
      };
    case 'ContainerCreated':
      return { message: `${replica(event.data)} created`, tags, refs: refsOf(event.data) };
    case 'ContainerStarted':
      return { message: `${replica(event.data)} running`, tags, refs: refsOf(event.data) };
    case 'ContainerActionRequested':
      return {
        message: `${event.data.action} of ${replica(event.data)} requested`,
        tags: [...tags, `${event.data.action}-container`],
        refs: refsOf(event.data),
      };
    case 'ContainerStopped':
      return { message: `${replica(event.data)} stopped`, tags, refs: refsOf(event.data) };
    case 'ContainerDied':
      return {
        message: `${replica(event.data)} died: ${event.data.reason}`,
        tags,
        refs: refsOf(event.data),
      };
    case 'ContainerFailed':
      return {
        message: `${replica(event.data)} failed: ${event.data.reason}`,
        tags,
        refs: refsOf(event.data),
      };
    case 'ContainerBackoff':
      return {
        message: `${replica(event.data)} ${event.data.reason}; restart ${event.data.restarts} in ${event.data.delayMs / 1000} s`,
        tags: [...tags, 'restart'],
        refs: refsOf(event.data),
      };
    case 'ContainerCompleted':
      return {
        message: `${replica(event.data)} completed with exit code ${event.data.exitCode}`,
        tags,
        refs: refsOf(event.data),
      };
    case 'ContainerHealthChanged':
      return {
        message: `${replica(event.data)} is ${event.data.health}${event.data.reason === '' ? '' : `: ${event.data.reason}`}`,
        tags: [...tags, 'health'],
        refs: refsOf(event.data),
      };
    case 'ContainerDestroyed':
      return {
        message: `${replica(event.data)} destroyed: ${event.data.reason}`,
        tags: [...tags, 'destroy-container'],
        refs: refsOf(event.data),
      };
    case 'DockerContainerEvent':
      return {
        message: `docker on ${event.data.engine}: container ${event.data.dockerId.slice(0, 12)} ${event.data.action}${event.data.exitCode === undefined ? '' : ` (exit ${event.data.exitCode})`}`,
        tags: ['docker'],
        refs: refsOf(event.data),
      };
    case 'DockerEventsSuppressed': {
      const { dockerId, suppressed, actions, limit, from, until } = event.data;
      const kinds = Object.entries(actions)
        .map(([action, count]) => `${action} ${count}`)
        .join(', ');
      return {
        message: `docker on ${event.data.engine}: container ${dockerId.slice(0, 12)} had ${suppressed} more event(s) than ${limit} a minute, not recorded one by one (${kinds}) between ${from} and ${until}`,
        tags: ['docker'],
        refs: refsOf(event.data),
      };
    }
    case 'EngineImagesCounted':
      return {
        message: `engine ${event.data.engine} has ${event.data.images} image(s)`,
        tags: ['docker', 'engine'],
        refs: refsOf(event.data),
      };
    default:
      return exhaustive(event);
  }
};

const KNOWN = new Set([
  'AccountAdded',
  'AccountPasswordSet',
  'AccountDeleted',
  'SessionStarted',
  'SessionEnded',
  'LoginFailed',
  'LoginFailuresSummarized',
  'AdminRemoved',
  'AccountQuotaSet',
  'EngineAdded',
  'EngineRemoved',
  'EngineLost',
  'EngineJoinRefused',
  'EngineHealthChanged',
  'RegistryCredentialsSet',
  'RegistryCredentialsRemoved',
]);

const describeRoute = (route: RouteChanged): Described => ({
  message: `service ${route.service}: container ${route.container} at ${route.endpoint} ${route.state}`,
  tags: ['router'],
  refs: { container: route.container, group: route.group },
});

/** The audit view of any event; a type it does not know shows its type and no data. */
export const describeEvent = (event: RecordedEvent): AuditEvent => {
  const described = CONTAINER_TYPES.has(event.type)
    ? describeContainerEvent(event as unknown as ContainerEvent)
    : KNOWN.has(event.type)
      ? describeKnown(event as unknown as Known)
      : event.type === 'RouteChanged'
        ? describeRoute(event.data as RouteChanged)
        : { message: event.type, tags: [], refs: {} };
  const { actor, commandId, correlationId, causationId } = event.metadata;
  return {
    position: event.position,
    id: event.id,
    type: event.type,
    stream: event.stream,
    at: event.at,
    actor,
    ...described,
    commandId,
    correlationId,
    causationId,
  };
};

/** Who reads the audit view: admins get every detail Berth recorded. */
export type Audience = 'admin' | 'user';

/**
 * An event as a non-admin may read it. Why an engine is unhealthy is the probe's own words:
 * the bytes the remote answered, or whether it refused, timed out or spoke the wrong HTTP —
 * a map of the network behind the engines, for admins only. A user reads "unreachable".
 * Returns `event` itself when there is nothing to hide.
 */
export const withoutProbeDetail = (event: RecordedEvent): RecordedEvent => {
  if (event.type !== 'EngineHealthChanged') return event;
  const data = event.data as { status: string; reason: string };
  return data.status === 'healthy' ? event : { ...event, data: { ...data, reason: 'unreachable' } };
};

/** The audit view of an event as `audience` may read it. */
export const describeFor = (event: RecordedEvent, audience: Audience): AuditEvent =>
  describeEvent(audience === 'admin' ? event : withoutProbeDetail(event));

/** Whether an audit event passes every given filter. */
export const matchesFilter = (event: AuditEvent, filter: AuditFilter): boolean =>
  (filter.type === undefined || filter.type.includes(event.type)) &&
  (filter.stream === undefined || event.stream === filter.stream) &&
  (filter.engine === undefined || event.refs.engine === filter.engine) &&
  (filter.container === undefined || event.refs.container === filter.container) &&
  (filter.group === undefined || event.refs.group === filter.group) &&
  (filter.account === undefined || event.refs.account === filter.account) &&
  (filter.actor === undefined || event.actor === filter.actor) &&
  (filter.tag === undefined || event.tags.includes(filter.tag)) &&
  (filter.since === undefined || event.at >= filter.since) &&
  (filter.until === undefined || event.at <= filter.until);

/** What the log itself can filter on, so fewer events are read. */
/** A non-admin account looking at the audit log. */
export type Viewer = { username: string; accountId: string };
/** Who owns what an event is about: the owner of its group (or its container's group). */
export type OwnerLookup = (refs: AuditEvent['refs']) => string | undefined;

/**
 * What a non-admin may see of the audit log: events about its own groups and containers,
 * about engines, and about its own account; never another account's work or logins.
 */
export const visibleTo =
  (viewer: Viewer, ownerOf: OwnerLookup) =>
  (event: Pick<AuditEvent, 'refs'>): boolean => {
    const { refs } = event;
    if (refs.container !== undefined || refs.group !== undefined)
      return ownerOf(refs) === viewer.username;
    if (refs.account !== undefined) return refs.account === viewer.accountId;
    return refs.engine !== undefined;
  };

export const storeFilter = (filter: AuditFilter) => ({
  ...(filter.type === undefined ? {} : { types: filter.type }),
  ...(filter.stream === undefined ? {} : { streamPrefix: filter.stream }),
});

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
