import type { Hono } from 'hono';
import type { ClusterInfo, Session } from '@berth/contracts';
import type { Gateway } from '../gateway.js';

type Env = { Variables: { session: Session } };

export const clusterRoutes = (app: Hono<Env>, gateway: Gateway) => {
  app.get('/api/cluster/info', async (c) =>
    c.json(await gateway.query<ClusterInfo>('ClusterInfo', {})),
  );
};
