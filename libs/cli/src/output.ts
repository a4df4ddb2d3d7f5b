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

const format = (value: unknown): string => {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '-';
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
