import type { ContainerEvent, RecordedEvent, RouteChanged } from '@berth/contracts';

/** One replica a service's traffic may go to. */
export type Route = { service: string; group: string; container: string; endpoint: string };

type Replica = {
  group: string;
  endpoint: string | undefined;
  running: boolean;
  /** Its health check passed since it started, or it has none (SPEC: health healthy or null). */
  ready: boolean;
  /** Released by the scheduler, or asked to stop: it takes no new traffic. */
  leaving: boolean;
};

/** The event types the view folds. */
export const ROUTE_VIEW_TYPES = [
  'GroupCreated',
  'ContainerPlaced',
  'ContainerCreated',
  'ContainerStarted',
  'ContainerActionRequested',
  'ContainerStopped',
  'ContainerDied',
  'ContainerBackoff',
  'ContainerCompleted',
  'ContainerHealthChanged',
  'ContainerFailed',
  'ContainerReleased',
  'ContainerDestroyed',
  'RouteChanged',
];

/**
 * Named groups and their replicas, folded from the log: which replicas are ready for traffic
 * (running, passing its health check if it has one, not leaving) and at which `host:port` (the engine's address and the host port of
 * the group's first published container port), and what the log says about each route.
 */
export class RouteView {
  private readonly services = new Map<
    string,
    { name: string; port: number | undefined; checked: boolean }
  >();
  private readonly replicas = new Map<string, Replica>();
  /** The last RouteChanged of each container and its stream's version. */
  readonly recorded = new Map<
    string,
    { route: Route; state: RouteChanged['state']; version: number }
  >();

  apply(recorded: RecordedEvent): void {
    const event = recorded as unknown as
      ContainerEvent | { type: 'RouteChanged'; data: RouteChanged };
    switch (event.type) {
      case 'GroupCreated': {
        const { name, spec, group } = event.data;
        const first = spec.ports.find((p) => p.protocol === 'tcp');
        const checked = spec.healthcheck !== undefined;
        if (name !== undefined) this.services.set(group, { name, port: first?.container, checked });
        return;
      }
      case 'ContainerPlaced':
        if (this.services.has(event.data.group))
          this.replicas.set(event.data.container, {
            group: event.data.group,
            endpoint: undefined,
            running: false,
            ready: false,
            leaving: false,
          });
        return;
      case 'ContainerCreated': {
        const replica = this.replicas.get(event.data.container);
        if (replica === undefined) return;
        const wanted = this.services.get(replica.group)?.port;
        const port = event.data.ports.find((p) => p.container === wanted && p.protocol === 'tcp');
        replica.endpoint = port === undefined ? undefined : `${port.hostIp}:${port.host}`;
        return;
      }
      case 'ContainerStarted': {
        const group = this.replicas.get(event.data.container)?.group ?? '';
        const ready = this.services.get(group)?.checked !== true; // a check starts over
        this.update(event.data.container, { running: true, ready, leaving: false });
        return;
      }
      case 'ContainerHealthChanged':
        this.update(event.data.container, { ready: event.data.health === 'healthy' });
        return;
      case 'ContainerActionRequested':
        this.update(event.data.container, { leaving: true });
        return;
      case 'ContainerStopped':
      case 'ContainerDied':
      case 'ContainerBackoff':
      case 'ContainerCompleted':
      case 'ContainerFailed':
        this.update(event.data.container, { running: false });
        return;
      case 'ContainerReleased':
        this.update(event.data.container, { leaving: true });
        return;
      case 'ContainerDestroyed':
        this.replicas.delete(event.data.container);
        return;
      case 'RouteChanged': {
        const { state, ...route } = event.data;
        this.recorded.set(event.data.container, { route, state, version: recorded.version });
        return;
      }
      default:
        return;
    }
  }

  /** Every replica that should receive its service's traffic now. */
  routes(): Route[] {
    const routes: Route[] = [];
    for (const [container, r] of this.replicas) {
      const service = this.services.get(r.group);
      if (service === undefined || r.endpoint === undefined || !r.running || !r.ready || r.leaving)
        continue;
      routes.push({ service: service.name, group: r.group, container, endpoint: r.endpoint });
    }
    return routes;
  }

  private update(container: string, change: Partial<Replica>) {
    const replica = this.replicas.get(container);
    if (replica !== undefined) Object.assign(replica, change);
  }
}
