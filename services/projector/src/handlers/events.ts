import { describeFor, matchesFilter, storeFilter, type Audience } from '@berth/audit';
import type { AuditEvent, AuditFilter } from '@berth/contracts';
import type { EventLog } from '@berth/eventlog';

const PAGE = 1000;
// A filter that matches little must not read the whole log for one request.
const MAX_SCANNED = 200_000;

export type EventsPage = { events: AuditEvent[]; next: number | null };

/**
 * The newest `count` events matching the filter that `visible` lets through, as `audience` may
 * read them, read backwards from the log in pages.
 */
export const listEvents = async (
  log: EventLog,
  { filter, before, count }: { filter: AuditFilter; before?: number | undefined; count: number },
  visible: (view: AuditEvent) => boolean = () => true,
  audience: Audience = 'admin',
): Promise<EventsPage> => {
  const found: AuditEvent[] = [];
  let cursor = before ?? Number.MAX_SAFE_INTEGER;
  let scanned = 0;
  while (found.length < count && scanned < MAX_SCANNED) {
    const page = await log.readBackward(cursor, { filter: storeFilter(filter), limit: PAGE });
    for (const event of page) {
      const view = describeFor(event, audience);
      if (matchesFilter(view, filter) && visible(view)) found.push(view);
      cursor = event.position;
      if (found.length === count) break;
    }
    scanned += page.length;
    if (page.length < PAGE)
      return { events: found, next: found.length === count && cursor > 1 ? cursor : null };
  }
  return { events: found, next: cursor > 1 ? cursor : null };
};
