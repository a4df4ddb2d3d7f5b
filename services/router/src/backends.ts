import { backendName, serverName, type ProxyLayout } from './haproxy-config.js';
import type { Route } from './route-view.js';

type Slot = { service: string; backend: number; slot: number; endpoint: string };
type Api = (command: string) => Promise<string>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The proxy's backends as the router filled them: a backend per service (found through the
 * hosts map by `<service>.<domain>`) and a server slot per replica, set through the runtime API.
 */
export class Backends {
  private readonly services = new Map<string, number>();
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly api: Api,
    private readonly layout: ProxyLayout,
    private readonly domain: string,
  ) {}

  endpointOf(container: string): string | undefined {
    return this.slots.get(container)?.endpoint;
  }

  containers(): string[] {
    return [...this.slots.keys()];
  }

  /** Requests each service's backend has taken since the proxy started (HAProxy's `stot`). */
  async requestsByService(): Promise<Record<string, number>> {
    const [header = '', ...rows] = (await this.api('show stat -1 2 -1')).split('\n');
    const stot = header.replace(/^# /, '').split(',').indexOf('stot');
    const counts: Record<string, number> = {};
    for (const [service, backend] of this.services) {
      const row = rows.find((r) => r.startsWith(`${backendName(backend)},BACKEND,`));
      if (row !== undefined) counts[service] = Number(row.split(',')[stot] ?? 0);
    }
    return counts;
  }

  /** Puts a replica into its service's backend, ready for traffic; false when no slot is free. */
  async add(route: Route): Promise<boolean> {
    const backend = await this.backendFor(route.service);
    if (backend === undefined) return false;
    const taken = new Set(
      [...this.slots.values()].filter((s) => s.backend === backend).map((s) => s.slot),
    );
    const slot = Array.from({ length: this.layout.replicasPerService }, (_, i) => i).find(
      (i) => !taken.has(i),
    );
    if (slot === undefined) return false;
    const server = `${backendName(backend)}/${serverName(slot)}`;
    const at = route.endpoint.lastIndexOf(':');
    const host = route.endpoint.slice(0, at);
    const port = route.endpoint.slice(at + 1);
    await this.expect(`set server ${server} addr ${host} port ${port}`, /changed|no need/);
    await this.expect(`set server ${server} state ready`, /^$/);
    this.slots.set(route.container, {
      service: route.service,
      backend,
      slot,
      endpoint: route.endpoint,
    });
    return true;
  }

  /**
   * Takes a replica out: no new requests (drain), then waits until none is in flight (at most
   * `maxMs`), then puts its slot in maintenance and frees it.
   */
  async drain(container: string, maxMs: number): Promise<void> {
    const entry = this.slots.get(container);
    if (entry === undefined) return;
    const server = `${backendName(entry.backend)}/${serverName(entry.slot)}`;
    await this.expect(`set server ${server} state drain`, /^$/);
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && (await this.inFlight(entry)) > 0) await sleep(50);
    await this.expect(`set server ${server} state maint`, /^$/);
    this.slots.delete(container);
    if (![...this.slots.values()].some((s) => s.backend === entry.backend)) {
      await this.expect(`del map ${this.layout.hostsMap} ${this.hostOf(entry.service)}`, /^$/);
      this.services.delete(entry.service);
    }
  }

  private hostOf(service: string) {
    return `${service}.${this.domain}`;
  }

  private async backendFor(service: string): Promise<number | undefined> {
    const known = this.services.get(service);
    if (known !== undefined) return known;
    const used = new Set(this.services.values());
    const free = Array.from({ length: this.layout.services }, (_, i) => i).find(
      (i) => !used.has(i),
    );
    if (free === undefined) return undefined;
    await this.expect(
      `add map ${this.layout.hostsMap} ${this.hostOf(service)} ${backendName(free)}`,
      /^$/,
    );
    this.services.set(service, free);
    return free;
  }

  /** Requests the replica's server has in flight now (`scur` of `show stat`). */
  private async inFlight(entry: Slot): Promise<number> {
    const csv = await this.api(`show stat ${backendName(entry.backend)} 4 -1`);
    const row = csv
      .split('\n')
      .map((line) => line.split(','))
      .find((fields) => fields[1] === serverName(entry.slot));
    return Number(row?.[4] ?? 0);
  }

  private async expect(command: string, answer: RegExp): Promise<void> {
    const text = await this.api(command);
    if (!answer.test(text)) throw new Error(`haproxy refused "${command}": ${text}`);
  }
}
