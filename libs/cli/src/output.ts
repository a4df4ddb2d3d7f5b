/** Aligned columns, like `docker ps`; `--json` prints the raw answer instead. */
export const table = (
  rows: Record<string, unknown>[],
  columns: [header: string, value: (row: Record<string, unknown>) => unknown][],
) => {
  const cells = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, value]) => format(value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
};

// C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the server as the terminal should show it: control characters escaped (`\x1b`). */
export const printable = (text: string) =>
  text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });

const format = (value: unknown): string => {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : printable(value.join(','));
  if (typeof value === 'string') return printable(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return printable(JSON.stringify(value) ?? '-');
};

/** Key: value lines for one object. */
export const details = (object: Record<string, unknown>) => {
  const width = Math.max(...Object.keys(object).map((k) => k.length));
  return Object.entries(object)
    .map(
      ([key, value]) =>
        `${key.padEnd(width)}  ${typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : format(value)}`,
    )
    .join('\n');
};
