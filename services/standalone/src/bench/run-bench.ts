// How a bench leaves the machine as it found it: its cleanup runs on every way out.

/** A named cleanup step. */
export type CleanupStep = [what: string, step: () => Promise<unknown>];

/**
 * Runs a bench's `body`, then its cleanup steps in order (a failing step is reported and the
 * others still run). Cleanup runs once, also on SIGINT/SIGTERM (exit 130) or when `body` throws
 * (reported, exit 1).
 */
export const runBench = async (name: string, steps: CleanupStep[], body: () => Promise<void>) => {
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const [what, step] of steps)
        await step().catch((error: unknown) =>
          console.error(`cleanup of ${what} failed: ${(error as Error).message}`),
        );
    })());
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  try {
    await body();
  } catch (error) {
    if (!interrupted) console.error(`\n${name} bench failed: ${(error as Error).message}`);
    await cleanup();
    process.exit(interrupted ? 130 : 1);
  }
  await cleanup();
};
