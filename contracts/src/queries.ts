import { z } from 'zod';
import { Role } from './accounts.js';
import { AuditFilter } from './audit.js';

/** Every query may wait until the read model has reached a position (read-your-writes). */
const query = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ ...shape, atLeast: z.number().int().nonnegative().optional() });

export const Queries = {
  ListAccounts: query({}),
  GetAccount: query({ idOrUsername: z.string().max(64) }),
  ResolveToken: query({ tokenHash: z.string().length(64) }),
  ClusterInfo: query({}),
  ListEngines: query({}),
  GetEngine: query({ id: z.string().max(64) }),
  /** Newest first, `count` of them, before the position `before` (a cursor for the next page). */
  ListEvents: query({
    filter: AuditFilter,
    /** Only the events this non-admin account may see (its own work, engines, itself). */
    viewer: z.strictObject({ username: z.string(), accountId: z.string() }).optional(),
    before: z.number().int().positive().optional(),
    count: z.number().int().min(1).max(1000),
  }),
  VerifyLog: query({}),
  // `owner`: only that account's (a user's own queries always carry it; others' are absent).
  ListContainers: query({
    all: z.boolean(),
    group: z.string().max(64).optional(),
    owner: z.string().max(64).optional(),
  }),
  /** By id or a unique prefix of it (case-insensitive); an ambiguous prefix is a conflict. */
  GetContainer: query({
    idOrPrefix: z.string().min(1).max(64),
    owner: z.string().max(64).optional(),
  }),
  ListGroups: query({ owner: z.string().max(64).optional() }),
  /** `id`: the group's id or its service name. */
  GetGroup: query({ id: z.string().max(64), owner: z.string().max(64).optional() }),
  ReplayReadModel: query({}),
  /** engine-registry: the registries pulls authenticate to (never a password). */
  ListRegistries: query({}),
  /**
   * docker-executor: pulls `image` where the group's replicas run and says whether any of them
   * runs another image id than the one pulled (a new digest behind the same tag).
   */
  ImageChanged: query({ group: z.string().max(64), image: z.string().max(256) }),
} as const;
export type QueryName = keyof typeof Queries;
export type QueryParams<N extends QueryName> = z.infer<(typeof Queries)[N]>;

export const Session = z.object({
  accountId: z.string(),
  username: z.string(),
  role: Role,
  expiresAt: z.iso.datetime(),
});
export type Session = z.infer<typeof Session>;

export const ClusterInfo = z.object({
  cpus: z.number(),
  memory: z.number(),
  reservedCpus: z.number(),
  reservedMemory: z.number(),
  /** Measured, over the engines with a recent sample; null when none has one. */
  usedCpuPercent: z.number().nullable(),
  usedMemory: z.number().nullable(),
  containerCount: z.number().int(),
  engineCount: z.number().int(),
  imageCount: z.number().int(),
});
export type ClusterInfo = z.infer<typeof ClusterInfo>;
