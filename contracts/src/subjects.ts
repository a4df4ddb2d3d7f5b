/** NATS subjects and queue groups; every subject Berth uses is named here. */
export const subjects = {
  /** Request/reply for one command type, served by the owning service's queue group. */
  command: (type: string) => `berth.cmd.${type}`,
  /** Request/reply for one read-model query, served by the projector's queue group. */
  query: (name: string) => `berth.query.${name}`,
  /** Request for a container's output, served by the docker-executor's queue group. */
  logs: 'berth.logs',
  /** Measured usage of one engine, published by its executor (telemetry: never in the log). */
  usage: 'berth.usage',
} as const;

export const queueGroupOf = (service: string) => `berth.${service}`;
