import type Docker from 'dockerode';
import { Queries } from '@berth/contracts';
import type { SecretKey } from '@berth/auth';
import { serveQuery, type NatsConnection } from '@berth/bus';
import { RejectedError } from '@berth/errors';
import { dockerReason } from '../docker-ops.js';
import type { ExecutorView } from '../executor-view.js';
import { authFor } from '../pull.js';

const SERVICE = 'docker-executor';

/** The digests a container's image was pulled by (`repo@sha256:…`), none if it never was. */
const digestsOf = async (docker: Docker, name: string): Promise<string[] | undefined> => {
  try {
    const { Image } = await docker.getContainer(name).inspect();
    return (await docker.getImage(Image).inspect()).RepoDigests ?? [];
  } catch {
    return undefined; // gone: it will be made anew, and pulled, anyway
  }
};

/**
 * Whether `image` now names, in its registry, another manifest than the one each of the group's
 * replicas was pulled by. Asks the registry for the digest through an engine (Docker's
 * distribution endpoint, with the registry's credentials): nothing is downloaded. An update of
 * a pulling group that changes nothing else asks this before it replaces anything.
 */
export const serveImageChanged = (
  nc: NatsConnection,
  context: {
    view: ExecutorView;
    secretKey: SecretKey;
    dockerTimeoutMs: number;
    docker: (engine: string, timeoutMs: number) => Docker;
  },
) =>
  serveQuery(nc, {
    name: 'ImageChanged',
    schema: Queries.ImageChanged,
    service: SERVICE,
    handle: async ({ group, image }) => {
      const replicas = [...context.view.replicas.values()].filter(
        (r) => r.group === group && r.released === undefined && r.outcome === 'created',
      );
      const first = replicas[0];
      if (first === undefined) return { changed: true };
      const docker = (engine: string) => context.docker(engine, context.dockerTimeoutMs);
      const auth = authFor(context.view, context.secretKey, image);
      const latest = await docker(first.engine)
        .getImage(image)
        .distribution(auth === undefined ? {} : { authconfig: auth })
        .catch((error: unknown) => {
          throw new RejectedError(`${image}: the registry did not answer: ${dockerReason(error)}`, {
            field: 'spec.image',
          });
        });
      const digest = (latest as { Descriptor: { digest: string } }).Descriptor.digest;
      const pulledBy = await Promise.all(replicas.map((r) => digestsOf(docker(r.engine), r.name)));
      const known = pulledBy.filter((digests) => digests !== undefined);
      const changed =
        known.length === 0 ||
        known.some((digests) => !digests.some((d) => d.endsWith(`@${digest}`)));
      return { changed };
    },
  });
