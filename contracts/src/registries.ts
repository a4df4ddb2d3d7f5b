import { z } from 'zod';
import { commandSchema } from './messages.js';

/**
 * An image registry as Docker names it: `docker.io`, `ghcr.io`, `registry.example.com:5000`,
 * `127.0.0.1:5000`. Lower-case host (DNS name or IPv4), optional port.
 */
export const RegistryHost = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,4})?$/,
    'a registry host such as registry.example.com or 127.0.0.1:5000',
  );
export type RegistryHost = z.infer<typeof RegistryHost>;

/** Docker Hub, where an image without a registry part comes from. */
export const DEFAULT_REGISTRY = 'docker.io';

/**
 * The registry an image reference names, by Docker's rule: the part before the first `/` is a
 * registry when it has a `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub.
 */
export const registryOf = (image: string): string => {
  const slash = image.indexOf('/');
  if (slash < 0) return DEFAULT_REGISTRY;
  const first = image.slice(0, slash);
  const isRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  return isRegistry ? first.toLowerCase() : DEFAULT_REGISTRY;
};

/** `PUT /api/registries/{registry}`: the account pulls authenticate as. */
export const RegistryCredentialsBody = z.strictObject({
  username: z.string().min(1).max(255),
  password: z.string().min(1).max(4096),
});
export type RegistryCredentialsBody = z.infer<typeof RegistryCredentialsBody>;

/** A registry's credentials as every read shows them: never the password. */
export const RegistryCredentials = z.object({
  registry: z.string(),
  username: z.string(),
  setAt: z.string(),
});
export type RegistryCredentials = z.infer<typeof RegistryCredentials>;

// --- Commands (engine-registry) -------------------------------------------------------------
export const SetRegistryCredentials = commandSchema(
  'SetRegistryCredentials',
  z.strictObject({ registry: RegistryHost, ...RegistryCredentialsBody.shape }),
);
export type SetRegistryCredentials = z.infer<typeof SetRegistryCredentials>;
export const RemoveRegistryCredentials = commandSchema(
  'RemoveRegistryCredentials',
  z.strictObject({ registry: RegistryHost }),
);
export type RemoveRegistryCredentials = z.infer<typeof RemoveRegistryCredentials>;

// --- Events ---------------------------------------------------------------------------------
export const REGISTRIES_STREAM = 'registries';
export const RegistryEvents = {
  /** `password` is sealed under the cluster's secret key; the log never holds it clear. */
  RegistryCredentialsSet: z.object({
    registry: z.string(),
    username: z.string(),
    password: z.string(),
  }),
  RegistryCredentialsRemoved: z.object({ registry: z.string() }),
} as const;
export type RegistryEvent = {
  [K in keyof typeof RegistryEvents]: { type: K; data: z.infer<(typeof RegistryEvents)[K]> };
}[keyof typeof RegistryEvents];
