import { EngineUsageSample, subjects } from '@berth/contracts';
import { parseJson, type NatsConnection } from '@berth/bus';
import type { MeasuredUsage } from '../usage.js';

/**
 * Every projector instance hears every sample (no queue group): any of them may answer a query.
 * A malformed sample is dropped; it is telemetry, and the next one comes in seconds.
 */
export const followUsage = (nc: NatsConnection, usage: MeasuredUsage) => {
  const subscription = nc.subscribe(subjects.usage, {
    callback: (error, msg) => {
      if (error !== null) return;
      try {
        const parsed = EngineUsageSample.safeParse(parseJson(msg.data));
        if (parsed.success) usage.record(parsed.data);
      } catch {
        // not JSON: dropped like any malformed sample
      }
    },
  });
  return { stop: () => subscription.unsubscribe() };
};
