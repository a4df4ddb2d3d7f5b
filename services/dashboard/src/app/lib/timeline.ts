/** How many events fell in each of the last `minutes` minutes, oldest first, ending at `now`. */
export const perMinute = (times: readonly string[], now: number, minutes: number): number[] => {
  const counts = new Array<number>(minutes).fill(0);
  for (const time of times) {
    const ago = Math.floor((now - Date.parse(time)) / 60_000);
    if (ago >= 0 && ago < minutes) counts[minutes - 1 - ago] = (counts[minutes - 1 - ago] ?? 0) + 1;
  }
  return counts;
};
