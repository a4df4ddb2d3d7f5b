import { freePort } from '@berth/local-infra';
import { spawnBerth } from './berth-process.js';
import { addHealthyEngine, apiClient, login } from './http.js';
import { startTestHosts } from './test-hosts.js';

/** The domain the router of `startRoutedBerth` serves: `<service>.berth.test`. */
export const ROUTED_DOMAIN = 'berth.test';

/**
 * `count` test hosts, each added as a healthy engine `host-<index>` to a Berth whose router
 * listens on a free port; logged in as admin. `stop()` stops Berth and removes the hosts.
 */
export const startRoutedBerth = async (count: number, adminPassword: string) => {
  const { hosts, down } = await startTestHosts(count);
  try {
    const routerPort = await freePort();
    const berth = await spawnBerth({
      BERTH_ADMIN_PASSWORD: adminPassword,
      BERTH_ROUTER: 'on',
      BERTH_ROUTER_PORT: String(routerPort),
      BERTH_ROUTER_DOMAIN: ROUTED_DOMAIN,
    });
    try {
      const token = await login(berth.url, 'admin', adminPassword);
      const api = apiClient(berth.url, () => token);
      for (const host of hosts) await addHealthyEngine(api, `host-${host.index}`, host.dockerUrl);
      const stop = async () => {
        await berth.stop();
        await down();
      };
      return { hosts, berth, api, routerPort, stop };
    } catch (error) {
      await berth.stop();
      throw error;
    }
  } catch (error) {
    await down();
    throw error;
  }
};
