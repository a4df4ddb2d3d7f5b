import {
  Queries,
  quotaOf,
  type Account,
  type AccountWithQuota,
  type ClusterInfo,
  type QuotaDefaults,
} from '@berth/contracts';
import { serveQuery, type NatsConnection } from '@berth/bus';
import { ConflictError, NotFoundError, UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Anchors } from '../anchor.js';
import type { ReadModel } from '../read-model.js';
import { replayAndCompare } from '../replay.js';
import type { MeasuredUsage } from '../usage.js';
import { visibleTo } from '@berth/audit';
import { listEvents } from './events.js';

const SERVICE = 'projector';
const WAIT_MS = 5000;

/** Query endpoints over the read model, in queue group `berth.projector`. */
export const serveQueries = (
  nc: NatsConnection,
  model: ReadModel,
  log: EventLog,
  anchors: Anchors | undefined,
  quotaDefaults: QuotaDefaults,
  usage: MeasuredUsage,
) => {
  const caughtUp = async (atLeast: number | undefined) => {
    if (atLeast !== undefined && !(await model.reached(atLeast, WAIT_MS))) {
      throw new UnavailableError(`the read model has not reached position ${atLeast} yet`);
    }
  };
  /**
   * What `find` finds, looked for once more after the model has applied all that the log held
   * when it was missing: a client that was told a thing was made finds it at once, even while
   * the model is behind (a lookup with no `atLeast` does not wait otherwise).
   */
  const findOnceCaughtUp = async <T>(find: () => T | undefined): Promise<T | undefined> => {
    const found = find();
    if (found !== undefined) return found;
    await model.reached(await log.head(), WAIT_MS);
    return find();
  };
  const withQuota = (account: Account): AccountWithQuota => ({
    ...account,
    quota: quotaOf(model.accounts.limitsOf(account.id), account.role, quotaDefaults),
    usage: model.containers.usageOf(account.username),
  });
  const endpoints = [
    serveQuery(nc, {
      name: 'ListAccounts',
      schema: Queries.ListAccounts,
      service: SERVICE,
      handle: async ({ atLeast }) => (await caughtUp(atLeast), model.accounts.list()),
    }),
    serveQuery(nc, {
      name: 'GetAccount',
      schema: Queries.GetAccount,
      service: SERVICE,
      handle: async ({ atLeast, idOrUsername }) => {
        await caughtUp(atLeast);
        const account = await findOnceCaughtUp(() => model.accounts.find(idOrUsername));
        if (account === undefined) throw new NotFoundError(`no account ${idOrUsername}`);
        return withQuota(account);
      },
    }),
    serveQuery(nc, {
      name: 'ResolveToken',
      schema: Queries.ResolveToken,
      service: SERVICE,
      handle: async ({ atLeast, tokenHash }) => (
        await caughtUp(atLeast),
        model.accounts.session(tokenHash, new Date()) ?? null
      ),
    }),
    serveQuery(nc, {
      name: 'ClusterInfo',
      schema: Queries.ClusterInfo,
      service: SERVICE,
      handle: async ({ atLeast }): Promise<ClusterInfo> => (
        await caughtUp(atLeast),
        model.clusterInfo(usage)
      ),
    }),
    serveQuery(nc, {
      name: 'ListEvents',
      schema: Queries.ListEvents,
      service: SERVICE,
      handle: async ({ atLeast, viewer, ...page }) => {
        await caughtUp(atLeast);
        if (viewer === undefined) return listEvents(log, page);
        const visible = visibleTo(viewer, (refs) => model.containers.ownerOf(refs));
        return listEvents(log, page, visible, 'user');
      },
    }),
    serveQuery(nc, {
      name: 'ReplayReadModel',
      schema: Queries.ReplayReadModel,
      service: SERVICE,
      handle: () => replayAndCompare(log, model),
    }),
    serveQuery(nc, {
      name: 'VerifyLog',
      schema: Queries.VerifyLog,
      service: SERVICE,
      handle: async () => log.verify(await anchors?.read()),
    }),
    serveQuery(nc, {
      name: 'ListContainers',
      schema: Queries.ListContainers,
      service: SERVICE,
      handle: async ({ atLeast, all, group, owner }) => (
        await caughtUp(atLeast),
        model.containers.list(all, group, owner)
      ),
    }),
    serveQuery(nc, {
      name: 'GetContainer',
      schema: Queries.GetContainer,
      service: SERVICE,
      handle: async ({ atLeast, idOrPrefix, owner }) => {
        await caughtUp(atLeast);
        const matches = () => {
          const match = model.containers.find(idOrPrefix, owner);
          return match.found !== undefined || match.candidates.length > 0 ? match : undefined;
        };
        const { found, candidates } = (await findOnceCaughtUp(matches)) ?? { candidates: [] };
        if (found !== undefined) return found;
        if (candidates.length === 0) throw new NotFoundError(`no container ${idOrPrefix}`);
        throw new ConflictError(
          `${idOrPrefix} is ambiguous: ${candidates.slice(0, 10).join(', ')}${candidates.length > 10 ? ', …' : ''}`,
          { field: 'id' },
        );
      },
    }),
    serveQuery(nc, {
      name: 'ListGroups',
      schema: Queries.ListGroups,
      service: SERVICE,
      handle: async ({ atLeast, owner }) => (
        await caughtUp(atLeast),
        model.containers.groupList(owner)
      ),
    }),
    serveQuery(nc, {
      name: 'GetGroup',
      schema: Queries.GetGroup,
      service: SERVICE,
      handle: async ({ atLeast, id, owner }) => {
        await caughtUp(atLeast);
        const group = await findOnceCaughtUp(() => model.containers.group(id, owner));
        if (group === undefined) throw new NotFoundError(`no group ${id}`);
        return group;
      },
    }),
    serveQuery(nc, {
      name: 'ListEngines',
      schema: Queries.ListEngines,
      service: SERVICE,
      handle: async ({ atLeast }) => (
        await caughtUp(atLeast),
        model.engines.list().map((e) => usage.of(e))
      ),
    }),
    serveQuery(nc, {
      name: 'GetEngine',
      schema: Queries.GetEngine,
      service: SERVICE,
      handle: async ({ atLeast, id }) => {
        await caughtUp(atLeast);
        const engine = await findOnceCaughtUp(() => model.engines.get(id));
        if (engine === undefined) throw new NotFoundError(`no engine ${id}`);
        return usage.of(engine);
      },
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
