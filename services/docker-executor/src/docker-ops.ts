import type Docker from 'dockerode';
import {
  LABEL_CONTAINER,
  LABEL_GROUP,
  type ImageSpec,
  type PublishedPort,
  type SealedImageSpec,
} from '@berth/contracts';
import { within } from '@berth/docker';
import { healthcheckOptions } from './health.js';

/** What Docker said, without the transport's wrapping: "No such image: web:9". */
export const dockerReason = (error: unknown): string => {
  const e = error as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.message ?? String(error)).trim();
};
export const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

const portKey = (port: ImageSpec['ports'][number]) => `${port.container}/${port.protocol}`;

/**
 * The Docker create body for one replica: limits, labels, ports with automatic host ports, the
 * health check, `env` and the opened `secretEnv`. It holds secrets in clear: never log it.
 * No Docker restart policy: Berth restarts with its own backoff (restarts.ts).
 */
export const createOptions = (
  replica: { id: string; group: string; name: string },
  spec: SealedImageSpec,
  secretEnv: Record<string, string>,
): Docker.ContainerCreateOptions => ({
  name: replica.name,
  Image: spec.image,
  ...(spec.cmd === undefined ? {} : { Cmd: spec.cmd }),
  ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
  Env: Object.entries({ ...spec.env, ...secretEnv }).map(([key, value]) => `${key}=${value}`),
  ...(spec.hostname === undefined ? {} : { Hostname: spec.hostname }),
  ...(spec.domainname === undefined ? {} : { Domainname: spec.domainname }),
  Labels: { [LABEL_CONTAINER]: replica.id, [LABEL_GROUP]: replica.group },
  ExposedPorts: Object.fromEntries(spec.ports.map((p) => [portKey(p), {}])),
  ...healthcheckOptions(spec.healthcheck),
  HostConfig: {
    NanoCpus: Math.round(spec.cpus * 1e9),
    Memory: spec.memory * 1024 * 1024,
    ...(spec.cpuset === undefined ? {} : { CpusetCpus: spec.cpuset }),
    PortBindings: Object.fromEntries(
      spec.ports.map((p) => [
        portKey(p),
        [{ HostPort: p.host === undefined ? '' : String(p.host) }],
      ]),
    ),
    ...(spec.volumes === undefined ? {} : { Binds: spec.volumes }),
    ...(spec.links === undefined ? {} : { Links: spec.links }),
    ...(spec.networkMode === undefined ? {} : { NetworkMode: spec.networkMode }),
    ...hostOptions(spec),
  },
});

/** `/dev/x[:/dev/y][:rwm]` as Docker's device mapping. */
const deviceMapping = (device: string) => {
  const [onHost = '', inContainer, permissions] = device.split(':');
  const perms =
    inContainer !== undefined && !inContainer.startsWith('/') ? inContainer : permissions;
  const target = inContainer?.startsWith('/') === true ? inContainer : onHost;
  return { PathOnHost: onHost, PathInContainer: target, CgroupPermissions: perms ?? 'rwm' };
};

/** The host-reaching options (admins only; the scheduler refuses them to users). */
const hostOptions = (spec: SealedImageSpec) => ({
  ...(spec.privileged === undefined ? {} : { Privileged: spec.privileged }),
  ...(spec.capAdd === undefined ? {} : { CapAdd: spec.capAdd }),
  ...(spec.devices === undefined ? {} : { Devices: spec.devices.map(deviceMapping) }),
  ...(spec.pidMode === undefined ? {} : { PidMode: spec.pidMode }),
  ...(spec.ipcMode === undefined ? {} : { IpcMode: spec.ipcMode }),
  ...(spec.utsMode === undefined ? {} : { UTSMode: spec.utsMode }),
  ...(spec.usernsMode === undefined ? {} : { UsernsMode: spec.usernsMode }),
  ...(spec.sysctls === undefined ? {} : { Sysctls: spec.sysctls }),
  ...(spec.securityOpt === undefined ? {} : { SecurityOpt: spec.securityOpt }),
  ...(spec.cgroupParent === undefined ? {} : { CgroupParent: spec.cgroupParent }),
});

/** Credentials for one registry, as Docker's `X-Registry-Auth` carries them. */
export type RegistryAuth = { username: string; password: string; serveraddress: string };

/**
 * Pulls an image to the end, or fails with the registry's reason. `docker` must have been made
 * with an idle timeout: a daemon that reports no progress for that long (no registry reachable)
 * fails the pull then; `limitMs` bounds the whole pull.
 */
export const pullImage = (
  docker: Docker,
  image: string,
  limits: { idleMs: number; limitMs: number },
  auth?: RegistryAuth,
): Promise<void> =>
  within(
    limits.limitMs,
    new Promise<void>((resolve, reject) => {
      const options = auth === undefined ? {} : { authconfig: auth };
      void docker.pull(
        image,
        options,
        (error: unknown, stream: NodeJS.ReadableStream | undefined) => {
          if (error !== null && error !== undefined) return reject(new Error(dockerReason(error)));
          if (stream === undefined) return reject(new Error('no pull stream'));
          docker.modem.followProgress(
            stream,
            (failed: Error | null, output: { error?: string }[]) => {
              const last = output.find((o) => o.error !== undefined);
              if (failed !== null) reject(new Error(dockerReason(failed)));
              else if (last?.error !== undefined) reject(new Error(last.error));
              else resolve();
            },
          );
        },
      );
    }),
  ).catch((error: unknown) => {
    const reason = dockerReason(error);
    const silent = /socket hang up|ETIMEDOUT|ESOCKETTIMEDOUT/.test(reason);
    throw new Error(
      `pull of ${image} failed: ${silent ? `the daemon reported no progress for ${limits.idleMs / 1000} s; is a registry reachable?` : reason}`,
    );
  });

/** Creates the replica's container, or finds it when an earlier attempt already did. */
export const createOrFind = async (
  docker: Docker,
  options: Docker.ContainerCreateOptions,
): Promise<Docker.Container> => {
  try {
    return await docker.createContainer(options);
  } catch (error) {
    if (statusOf(error) !== 409) throw error; // 409: the name is taken, by our earlier self
    return docker.getContainer(options.name ?? '');
  }
};

/** Starts a container; one that already runs is fine. */
export const startContainer = async (container: Docker.Container) => {
  try {
    await container.start();
  } catch (error) {
    if (statusOf(error) !== 304) throw error;
  }
};

/** The published ports as Docker bound them, with an address a client can reach. */
export const publishedPorts = async (
  container: Docker.Container,
  engineHost: string,
): Promise<{ dockerId: string; ports: PublishedPort[] }> => {
  const info = await container.inspect();
  const bindings = (info.NetworkSettings.Ports ?? {}) as Record<
    string,
    { HostIp: string; HostPort: string }[] | null
  >;
  const ports = Object.entries(bindings).flatMap(([key, bound]) => {
    const first = bound?.[0];
    if (first === undefined) return [];
    const [port, protocol] = key.split('/');
    const wildcard = first.HostIp === '' || first.HostIp === '0.0.0.0' || first.HostIp === '::';
    return [
      {
        container: Number(port),
        host: Number(first.HostPort),
        protocol: protocol ?? 'tcp',
        hostIp: wildcard ? engineHost : first.HostIp,
      },
    ];
  });
  return { dockerId: info.Id, ports };
};

/** Kill and remove; a container that is already gone is fine. */
export const removeContainer = async (docker: Docker, name: string) => {
  try {
    await docker.getContainer(name).remove({ force: true });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
};

/** Whether Docker says it has no container by that name (404); any other answer is not that. */
export const containerGone = async (docker: Docker, name: string): Promise<boolean> => {
  try {
    await docker.getContainer(name).inspect();
    return false;
  } catch (error) {
    return statusOf(error) === 404;
  }
};

/** The host clients reach published ports on: the engine's address, or loopback for a socket. */
export const engineHostOf = (addr: string) =>
  addr.startsWith('tcp://') ? new URL(addr.replace(/^tcp:/, 'http:')).hostname : '127.0.0.1';

/**
 * Runs an idempotent Docker step again when it failed without an answer from Docker (a reset
 * connection, a timeout: a busy daemon), at most `attempts` times in all. An answer, even an
 * error such as "No such image", is final. Creating by name is idempotent (409 finds it).
 */
export const againOnNoAnswer = async <T>(
  step: () => Promise<T>,
  attempts = 3,
  delayMs = 1000,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (statusOf(error) !== undefined || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
};
