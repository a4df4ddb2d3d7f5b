import type { ContainerEvent, ImageSpec, RecordedEvent, RouteChanged } from '@berth/contracts';

/** Where a spec serves: its first TCP container port; whether a health check gates it. */
const servedBy = (spec: ImageSpec) => ({
  port: spec.ports.find((p) => p.protocol === 'tcp')?.container,
  checked: spec.healthcheck !== undefined,
});

/** One replica a service's traffic may go to. */
export type Route = { service: string; group: string; container: string; endpoint: string };

type Replica = {
  group: string;
  /** Its spec's first TCP container port, and whether its spec has a health check. */
  port: number | undefined;
  checked: boolean;
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
  'GroupUpdateStarted',
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
        if (name !== undefined) this.services.set(group, { name, ...servedBy(spec) });
        return;
      }
      case 'GroupUpdateStarted': {
        // Replicas placed from now on run this spec; the ones running keep theirs.
        const service = this.services.get(event.data.group);
        if (service !== undefined) Object.assign(service, servedBy(event.data.spec));
        return;
      }
      case 'ContainerPlaced': {
        const service = this.services.get(event.data.group);
        if (service !== undefined)
          this.replicas.set(event.data.container, {
            group: event.data.group,
            port: service.port,
            checked: service.checked,
            endpoint: undefined,
            running: false,
            ready: false,
            leaving: false,
          });
        return;
      }
      case 'ContainerCreated': {
        const replica = this.replicas.get(event.data.container);
        if (replica === undefined) return;
        const port = event.data.ports.find(
          (p) => p.container === replica.port && p.protocol === 'tcp',
        );
        replica.endpoint = port === undefined ? undefined : `${port.hostIp}:${port.host}`;
        return;
      }
      case 'ContainerStarted': {
        const ready = this.replicas.get(event.data.container)?.checked !== true; // a check starts over
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
