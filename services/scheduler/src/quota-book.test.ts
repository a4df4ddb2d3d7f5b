import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { QuotaBook } from './quota-book.js';

const recorded = (type: string, data: unknown) => ({ type, data }) as unknown as RecordedEvent;
const added = (username: string, role: string) =>
  recorded('AccountAdded', { accountId: `id-${username}`, username, role });

describe('QuotaBook', () => {
  it('holds users to the defaults and admins to nothing, until an admin sets limits', () => {
    const book = new QuotaBook({ replicas: 50, cpus: 8, memory: 16_384 });
    book.apply(added('Ann', 'user'));
    book.apply(added('root', 'admin'));
    expect(book.quotaOf('Ann')).toEqual({ replicas: 50, cpus: 8, memory: 16_384 });
    expect(book.quotaOf('root')).toEqual({ replicas: null, cpus: null, memory: null });

    const limits = { replicas: 3, cpus: null, memory: 512 };
    book.apply(recorded('AccountQuotaSet', { accountId: 'id-ann', username: 'ann', limits }));
    book.apply(recorded('AccountQuotaSet', { accountId: 'id-root', username: 'root', limits }));
    expect(book.quotaOf('Ann')).toEqual({ replicas: 3, cpus: 8, memory: 512 });
    expect(book.quotaOf('root')).toEqual({ replicas: 3, cpus: null, memory: 512 });
  });

  it("forgets a deleted account's quota: its name is held to a user's defaults", () => {
    const book = new QuotaBook({ replicas: 1, cpus: 1, memory: 64 });
    book.apply(added('root', 'admin'));
    book.apply(recorded('AccountDeleted', { accountId: 'id-root', username: 'root' }));
    expect(book.quotaOf('root')).toEqual({ replicas: 1, cpus: 1, memory: 64 });
    expect(book.quotaOf('')).toEqual({ replicas: 1, cpus: 1, memory: 64 });
  });
});
