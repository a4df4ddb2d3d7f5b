import { EtcdEnv, parseEnv } from '@berth/config';

/** Cluster mode: the etcd agents register in (the secret key comes with the service's runtime). */
export const readConfig = (env: Record<string, string | undefined>) => ({
  etcd: parseEnv(EtcdEnv, env),
});
