/**
 * Applies, key by key, the newest state etcd has shown for the key (by revision) until what was
 * last applied matches it. A key's applications run one at a time and in order, so an older state
 * (a lapsed lease) can never land after a newer one (the agent's next renewal). An application
 * that fails is not counted as applied: `retry` tries it again.
 */
export const newestState = (
  apply: (key: string, value: string | undefined) => Promise<void>,
  onError: (error: unknown, key: string) => void,
) => {
  /** The newest state seen of each key; `value` undefined: deleted. */
  const latest = new Map<string, { value: string | undefined; revision: bigint }>();
  const applied = new Map<string, string | undefined>();
  const busy = new Set<string>();

  const settled = (key: string) => applied.has(key) && applied.get(key) === latest.get(key)?.value;

  /** Brings one key up to date; a call while the key is busy is picked up by the running one. */
  const reconcile = async (key: string) => {
    if (busy.has(key)) return;
    busy.add(key);
    try {
      while (!settled(key)) {
        const value = latest.get(key)?.value;
        await apply(key, value);
        applied.set(key, value);
      }
    } catch (error) {
      onError(error, key);
    } finally {
      busy.delete(key);
    }
  };

  return {
    /** Records what etcd showed at `revision`, unless a newer state is known; applies it. */
    observe: (key: string, value: string | undefined, revision: bigint) => {
      const known = latest.get(key);
      if (known !== undefined && known.revision >= revision) return Promise.resolve();
      latest.set(key, { value, revision });
      return reconcile(key);
    },
    /** The keys whose newest known state is present. */
    present: () => [...latest].filter(([, state]) => state.value !== undefined).map(([k]) => k),
    /** Tries again every key whose newest state is not applied yet. */
    retry: () => Promise.all([...latest.keys()].map(reconcile)),
  };
};
