import { getHeapStatistics, setFlagsFromString } from 'node:v8';

const MB = 1024 * 1024;
/** Above this much heap in use, collections are held close to the live set; below half, not. */
const LARGE_HEAP = 64 * MB;
const CHECK_EVERY_MS = 1000;

/**
 * Once the heap is large, starts each full collection when the heap is 1.5× what the last one
 * left alive. V8 picks that factor from how fast it collects: up to 4× for a busy process — at
 * 1,000 engines the one-machine process kept about 175 MB alive yet reached 820 MB of memory.
 * A small heap is left to V8, whose factor there is often below 1.5. V8 reads the flag at each
 * collection, so it can change at run time; it sets no ceiling, so a larger live set only
 * costs memory, never a crash.
 */
export const holdLargeHeapsNearLiveSet = () => {
  let holding = false;
  setInterval(() => {
    const used = getHeapStatistics().used_heap_size;
    const wanted = holding ? used > LARGE_HEAP / 2 : used > LARGE_HEAP;
    if (wanted === holding) return;
    holding = wanted;
    setFlagsFromString(`--heap-growing-percent=${holding ? 50 : 0}`);
  }, CHECK_EVERY_MS).unref();
};
