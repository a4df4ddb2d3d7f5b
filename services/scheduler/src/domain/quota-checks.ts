import {
  NOTHING_USED,
  plus,
  reservationOf,
  type SealedImageSpec,
  type Usage,
} from '@berth/contracts';
import { QuotaExceededError } from '@berth/errors';
import { quotaRefusal } from './quota.js';
import type { QuotaLookup } from './schedule.js';
import type { GroupState, ScheduleState } from './schedule-state.js';

/**
 * Refuses `count` more replicas of `spec` for `owner` beyond its quota. The usage is the decided
 * state's, which already holds the commands decided before this one in the batch: concurrent
 * runs cannot all pass on the same old count.
 */
export const checkQuota = (
  state: ScheduleState,
  owner: string,
  quotaOf: QuotaLookup,
  count: number,
  spec: SealedImageSpec,
) => {
  const refusal = quotaRefusal(
    quotaOf(owner),
    state.usage.get(owner) ?? NOTHING_USED,
    reservationOf(count, spec),
  );
  if (refusal !== undefined)
    throw new QuotaExceededError(refusal.message, { field: refusal.field });
};

/** What a group's usage changes by when its replicas run `spec` instead of the current one. */
export const respecified = (group: GroupState, spec: SealedImageSpec): Usage =>
  plus(reservationOf(group.desired, spec), reservationOf(-group.desired, group.spec));

/** Refuses an update whose spec would take the group's owner past its quota. */
export const checkUpdateQuota = (
  state: ScheduleState,
  group: GroupState,
  quotaOf: QuotaLookup,
  spec: SealedImageSpec,
) => {
  const refusal = quotaRefusal(
    quotaOf(group.owner),
    state.usage.get(group.owner) ?? NOTHING_USED,
    respecified(group, spec),
  );
  if (refusal !== undefined)
    throw new QuotaExceededError(refusal.message, { field: `spec.${refusal.field}` });
};
