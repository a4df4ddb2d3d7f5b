import { expect, it } from 'vitest';
import { perMinute } from './timeline';

it('counts events per minute, oldest first, leaving out the future and the too old', () => {
  const now = Date.parse('2026-01-01T12:00:30Z');
  const times = [
    '2026-01-01T12:00:10Z', // this minute
    '2026-01-01T12:00:20Z',
    '2026-01-01T11:59:10Z', // one ago
    '2026-01-01T11:50:00Z', // too old for 3 minutes
    '2026-01-01T12:05:00Z', // ahead of the clock
  ];
  expect(perMinute(times, now, 3)).toEqual([0, 1, 2]);
});
