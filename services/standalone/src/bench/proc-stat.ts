// What Linux says of a process's CPU time, for benches that measure a process they did not time.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) a process has used so far, from /proc/PID/stat; with `children`,
 * those of its children it has waited for instead (cutime + cstime).
 */
export const cpuSecondsOf = (pid: number | 'self', children = false) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command's name (which may hold spaces): utime, stime at 11–12, cutime, cstime at 13–14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, system] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
  return (Number(user) + Number(system)) / CLOCK_TICKS;
};
