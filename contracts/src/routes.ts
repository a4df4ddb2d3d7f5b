import { z } from 'zod';

/** Written by the router on `route-<container>`: a replica entered or left its service's backends. */
export const RouteEvents = {
  RouteChanged: z.object({
    service: z.string(),
    group: z.string(),
    container: z.string(),
    /** `host:port` the proxy sends the service's traffic to. */
    endpoint: z.string(),
    /** `drained`: out of the backends with no request in flight, so it may be stopped. */
    state: z.enum(['routed', 'drained']),
  }),
} as const;
export type RouteChanged = z.infer<typeof RouteEvents.RouteChanged>;

export const routeStream = (container: string) => `route-${container}`;
/** Where etcd shows a service's endpoints: one key per replica, `host:port` as value. */
export const serviceEndpointKey = (service: string, container: string) =>
  `/berth/services/${service}/${container}`;
export const SERVICES_PREFIX = '/berth/services/';
