import { z } from 'zod';
import { optionalString, parseEnv } from '@berth/config';

const Env = z.object({ BERTH_PROJECTOR_CHECKPOINT: optionalString() });

/** Cluster mode: where this instance keeps its read-model checkpoint (none: rebuild at start). */
export const readCheckpointFile = (env: Record<string, string | undefined>) =>
  parseEnv(Env, env).BERTH_PROJECTOR_CHECKPOINT;
