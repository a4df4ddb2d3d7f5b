/**
 * Splits `total` stats calls between engines that want `wanted[i]` (their running containers)
 * in proportion, so every container is read about as often wherever it runs. What rounding
 * leaves over goes one each to the engines from `start` on; a caller turning `start` round
 * by round favours none of them for long.
 */
export const statsShares = (wanted: readonly number[], total: number, start = 0): number[] => {
  const all = wanted.reduce((sum, n) => sum + n, 0);
  const budget = Math.max(0, Math.floor(total));
  if (all <= budget) return [...wanted];
  const shares = wanted.map((n) => Math.floor((n * budget) / all));
  let left = budget - shares.reduce((sum, n) => sum + n, 0);
  for (let k = 0; left > 0 && k < wanted.length; k++) {
    const i = (start + k) % wanted.length;
    if ((shares[i] ?? 0) < (wanted[i] ?? 0)) {
      shares[i] = (shares[i] ?? 0) + 1;
      left--;
    }
  }
  return shares;
};
