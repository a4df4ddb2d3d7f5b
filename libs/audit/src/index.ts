import type {
  AccountEvent,
  AuditEvent,
  AuditFilter,
  EngineEvent,
  RecordedEvent,
} from '@berth/contracts';

type Described = Pick<AuditEvent, 'message' | 'tags' | 'refs'>;
type Known = AccountEvent | EngineEvent;

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
    case 'LoginFailed':
      return {
        message: `failed login as ${event.data.username} from ${event.data.source}: ${event.data.reason}`,
        tags: ['login', 'security'],
        refs: {},
      };
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

const KNOWN = new Set([
  'AccountAdded',
  'AccountPasswordSet',
  'AccountDeleted',
  'SessionStarted',
  'LoginFailed',
  'EngineAdded',
  'EngineRemoved',
  'EngineLost',
  'EngineHealthChanged',
]);

/** The audit view of any event; a type it does not know shows its type and no data. */
export const describeEvent = (event: RecordedEvent): AuditEvent => {
  const described = KNOWN.has(event.type)
    ? describeKnown(event as unknown as Known)
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
export const storeFilter = (filter: AuditFilter) => ({
  ...(filter.type === undefined ? {} : { types: filter.type }),
  ...(filter.stream === undefined ? {} : { streamPrefix: filter.stream }),
});

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
