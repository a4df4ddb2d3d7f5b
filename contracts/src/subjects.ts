/** NATS subjects and queue groups; every subject Berth uses is named here. */
export const subjects = {
  /** Request/reply for one command type, served by the owning service's queue group. */
  command: (type: string) => `berth.cmd.${type}`,
  /** Published after an append so subscribers read again at once instead of on their poll. */
  appended: 'berth.log.appended',
} as const;

export const queueGroupOf = (service: string) => `berth.${service}`;
