/**
 * Requests made while a batch is at the store wait and go together in the next one: at most
 * `max` in a batch and one per key, so each answer belongs to one request (a second request
 * with the same key waits for the batch after). `run` answers in the batch's order.
 */
export const keyedBatcher = <Request, Answer>(
  keyOf: (request: Request) => string,
  max: number,
  run: (batch: Request[]) => Promise<Answer[]>,
) => {
  type Queued = { request: Request; resolve: (a: Answer) => void; reject: (e: unknown) => void };
  const queue: Queued[] = [];
  let running = false;
  const nextBatch = () => {
    const keys = new Set<string>();
    const batch: Queued[] = [];
    for (let i = 0; i < queue.length && batch.length < max;) {
      const key = keyOf((queue[i] as Queued).request);
      if (keys.has(key)) {
        i++;
        continue;
      }
      keys.add(key);
      batch.push(...queue.splice(i, 1));
    }
    return batch;
  };
  const drain = async () => {
    running = true;
    while (queue.length > 0) {
      const batch = nextBatch();
      try {
        const answers = await run(batch.map((q) => q.request));
        batch.forEach((q, i) => q.resolve(answers[i] as Answer));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    running = false;
  };
  return (request: Request) =>
    new Promise<Answer>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      if (!running) void drain();
    });
};
