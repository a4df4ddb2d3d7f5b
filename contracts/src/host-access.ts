import type { ImageSpec } from './containers.js';

/** Why a spec field was refused to a non-admin, and which one (`volumes.0`, `privileged`). */
export type HostEscape = { field: string; reason: string };

/**
 * Every field of the image spec, classified once: `host` fields can reach the engine's host
 * (its files, network, processes, devices, kernel) and are for admins only; `safe` fields
 * cannot. The `satisfies` makes a new spec field fail to compile until it is classified here.
 */
export const SPEC_FIELD_ACCESS = {
  image: 'safe',
  cmd: 'safe',
  entrypoint: 'safe',
  env: 'safe',
  // Values the container alone gets, as with env; sealed in the log, names only when read.
  secretEnv: 'safe',
  cpus: 'safe',
  memory: 'safe',
  hostname: 'safe',
  domainname: 'safe',
  labels: 'safe',
  ports: 'safe',
  restartPolicy: 'safe',
  // Runs inside the container (Docker's HEALTHCHECK), asking only the container itself.
  healthcheck: 'safe',
  volumes: 'host',
  links: 'host',
  cpuset: 'host',
  networkMode: 'host',
  privileged: 'host',
  capAdd: 'host',
  devices: 'host',
  pidMode: 'host',
  ipcMode: 'host',
  utsMode: 'host',
  usernsMode: 'host',
  sysctls: 'host',
  securityOpt: 'host',
  cgroupParent: 'host',
} as const satisfies Record<keyof ImageSpec, 'safe' | 'host'>;

const REASONS: Record<string, string> = {
  links: 'links reach into containers of other accounts',
  cpuset: 'pinning host CPUs is for admins',
  privileged: 'a privileged container owns its host',
  capAdd: 'added capabilities reach the host kernel',
  devices: 'host devices are for admins',
  pidMode: "sharing a PID namespace sees the host's or another container's processes",
  ipcMode: "sharing an IPC namespace reaches the host's or another container's memory",
  utsMode: "the host's UTS namespace is for admins",
  usernsMode: "leaving user-namespace remapping makes root the host's root",
  sysctls: 'kernel parameters are for admins',
  securityOpt: 'security options can switch confinement off',
  cgroupParent: "placing a container in the host's cgroup tree is for admins",
};

/** A named volume (`data:/var/lib`) stays in Docker's keeping; a path (`/etc:/x`) is the host's. */
const bindsHostPath = (volume: string) => volume.startsWith('/');
/** `host` and `container:<id>` leave the container's own network namespace. */
const leavesOwnNetwork = (mode: string) => mode === 'host' || mode.startsWith('container:');

/**
 * The host-reaching options a spec asks for: empty means any account may run it. Named
 * volumes and ordinary networks are allowed; every other `host` field is refused when set.
 */
export const hostEscapes = (spec: ImageSpec): HostEscape[] => {
  const escapes: HostEscape[] = [];
  for (const [key, access] of Object.entries(SPEC_FIELD_ACCESS)) {
    const value = spec[key as keyof ImageSpec];
    if (access === 'safe' || value === undefined || value === false) continue;
    if (key === 'volumes') {
      (value as string[]).forEach((volume, i) => {
        if (bindsHostPath(volume))
          escapes.push({ field: `volumes.${i}`, reason: 'binding a host path is for admins' });
      });
    } else if (key === 'networkMode') {
      const mode = value as string;
      if (leavesOwnNetwork(mode))
        escapes.push({ field: key, reason: `network mode ${mode} is for admins` });
    } else if (!(Array.isArray(value) && value.length === 0)) {
      escapes.push({ field: key, reason: REASONS[key] ?? `${key} is for admins` });
    }
  }
  return escapes;
};
