import { expect, it } from 'vitest';
import { printable, table } from './output.js';

it('escapes control characters so server text cannot drive the terminal', () => {
  expect(printable('login failed for \u001b[2J\u001b]0;owned\u0007root\r\n')).toBe(
    'login failed for \\x1b[2J\\x1b]0;owned\\x07root\\x0d\\x0a',
  );
  expect(printable('evil\u202etxt.exe \u009b31m')).toBe('evil\\u202etxt.exe \\x9b31m');
  expect(printable('ünïcode, tabs\tstay visible')).toBe('ünïcode, tabs\\x09stay visible');
});

it('prints every table cell escaped', () => {
  const printed = table(
    [{ actor: 'a\u001bb', tags: ['x\u0000'] }],
    [
      ['ACTOR', (r) => r.actor],
      ['TAGS', (r) => r.tags],
    ],
  );
  expect(printed).toBe('ACTOR    TAGS\na\\x1bb   x\\x00');
});

it('colours tinted cells only when asked, keeping the columns aligned', () => {
  const rows = [
    { id: 'a', state: 'running' },
    { id: 'bb', state: 'failed' },
  ];
  const columns: Parameters<typeof table>[1] = [
    ['STATE', (r) => r.state, (r) => (r.state === 'running' ? 'green' : 'red')],
    ['ID', (r) => r.id],
  ];
  expect(table(rows, columns)).toBe('STATE     ID\nrunning   a\nfailed    bb');
  expect(table(rows, columns, true)).toBe(
    'STATE     ID\n\x1b[32mrunning\x1b[0m   a\n\x1b[31mfailed \x1b[0m   bb',
  );
});
