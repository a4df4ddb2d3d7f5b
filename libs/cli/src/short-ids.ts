/**
 * Short forms of ids for tables. ULIDs made in one batch share their first 20 characters (time
 * and the monotonic counter's high digits), so a prefix would be nearly whole; the end differs.
 * Each id is shown as its shortest suffix of at least `min` characters that no other id in the
 * set ends with, and `resolveRef` accepts that suffix (or any unique prefix) back.
 */
export const shortIds = (ids: readonly string[], min = 6): Map<string, string> => {
  const unique = [...new Set(ids)];
  const short = new Map<string, string>();
  for (const id of unique) {
    let length = Math.min(min, id.length);
    while (
      length < id.length &&
      unique.some((other) => other !== id && other.endsWith(id.slice(-length)))
    )
      length++;
    short.set(id, id.slice(-length));
  }
  return short;
};

export type Resolved = { id: string } | { ambiguous: string[] } | { unknown: true };

/** The one id that starts or ends with `ref` (case-insensitive), or why there is none. */
export const resolveRef = (ref: string, ids: readonly string[]): Resolved => {
  const wanted = ref.toUpperCase();
  const exact = ids.find((id) => id.toUpperCase() === wanted);
  if (exact !== undefined) return { id: exact };
  const matches = [
    ...new Set(
      ids.filter((id) => id.toUpperCase().startsWith(wanted) || id.toUpperCase().endsWith(wanted)),
    ),
  ];
  if (matches.length === 1 && matches[0] !== undefined) return { id: matches[0] };
  return matches.length === 0 ? { unknown: true } : { ambiguous: matches };
};
