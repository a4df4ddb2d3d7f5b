const TINTS = { green: 32, red: 31, yellow: 33 } as const;
export type Tint = keyof typeof TINTS;
type Column = [
  header: string,
  value: (row: Record<string, unknown>) => unknown,
  tint?: (row: Record<string, unknown>) => Tint | undefined,
];

/**
 * Aligned columns, like `docker ps`; `--json` prints the raw answer instead. With `colour`
 * (a terminal, no NO_COLOR) a column's tint colours its cells, after padding so they still align.
 */
export const table = (rows: Record<string, unknown>[], columns: Column[], colour = false) => {
  const cells = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, value]) => format(value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  const tinted = (cell: string, i: number, line: number) => {
    const row = rows[line - 1];
    const tint = row === undefined ? undefined : columns[i]?.[2]?.(row);
    return colour && tint !== undefined ? `\x1b[${TINTS[tint]}m${cell}\x1b[0m` : cell;
  };
  return cells
    .map((line, l) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .map((cell, i) => tinted(cell, i, l))
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

/** Measured usage as `docker stats` shows it; `-` while there is no recent sample. */
export const usedCpu = (percent: number | null | undefined) =>
  percent === null || percent === undefined ? '-' : `${percent.toFixed(1)}%`;
export const usedMb = (mb: number | null | undefined) =>
  mb === null || mb === undefined ? '-' : String(mb);
