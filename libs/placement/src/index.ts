/** An engine as placement sees it: capacity, what is reserved on it, and what it offers. */
export type Candidate = {
  id: string;
  schedulable: boolean;
  labels: readonly string[];
  cpus: number;
  /** MB */
  memory: number;
  reservedCpus: number;
  reservedMemory: number;
  /** Image references already present on the engine (for the optional affinity). */
  images?: readonly string[];
};

/** What one replica asks for. */
export type Demand = {
  cpus: number;
  /** MB */
  memory: number;
  /** Every one of these must be among the engine's labels. */
  labels: readonly string[];
  image?: string;
  /** Prefer engines that already have the image, when any of them fits. */
  preferImage?: boolean;
};

// Sums of decimal CPUs (0.1 + 0.2 …) carry float error; an engine filled exactly is full, not over.
const EPSILON = 1e-9;

/** Healthy, carries the labels, and has room for the demand on top of its reservations. */
export const fits = (engine: Candidate, demand: Demand): boolean =>
  engine.schedulable &&
  engine.reservedCpus + demand.cpus <= engine.cpus + EPSILON &&
  engine.reservedMemory + demand.memory <= engine.memory + EPSILON &&
  demand.labels.every((label) => engine.labels.includes(label));

/** The thesis score: how free the engine stays, CPU weighted 65 and memory 35. Higher is better. */
export const score = (engine: Candidate, demand: Demand): number =>
  (1 - (engine.reservedCpus + demand.cpus) / engine.cpus) * 65 +
  (1 - (engine.reservedMemory + demand.memory) / engine.memory) * 35;

/** Whether `engine`, scoring `s`, is better than the best so far. Ties go to the lower id. */
const beats = (engine: Candidate, s: number, best: Candidate | undefined, bestScore: number) =>
  s > bestScore || (s === bestScore && best !== undefined && engine.id < best.id);

/**
 * The best engine for one replica, or undefined when none fits. Ties go to the lower id. One
 * pass and no arrays: it runs once per replica over every engine.
 */
export const placeOne = (engines: readonly Candidate[], demand: Demand): Candidate | undefined => {
  const image = demand.preferImage === true ? demand.image : undefined;
  let best: Candidate | undefined;
  let bestScore = -Infinity;
  let withImage: Candidate | undefined;
  let withImageScore = -Infinity;
  for (const engine of engines) {
    if (!fits(engine, demand)) continue;
    const s = score(engine, demand);
    if (beats(engine, s, best, bestScore)) {
      best = engine;
      bestScore = s;
    }
    const hasImage = image !== undefined && engine.images?.includes(image) === true;
    if (hasImage && beats(engine, s, withImage, withImageScore)) {
      withImage = engine;
      withImageScore = s;
    }
  }
  return withImage ?? best;
};

export type BatchPlacement = {
  /** The engine of each placed replica, in order. */
  engines: string[];
  /** Replicas that found no room. */
  unplaced: number;
  /** Reservations after the batch, per engine touched. */
  reserved: Map<string, { cpus: number; memory: number }>;
};

/**
 * Places up to `count` replicas one after another, each on the reservations the previous ones
 * left (so a batch spreads), adding each to its engine's reservations. Returns the engines in
 * order; fewer than `count` when the rest found no room. Picks what `placeOne` would pick each
 * time, but keeps the fitting engines in a heap by score: only the engine just chosen changes,
 * so each replica costs log(engines) instead of a pass over all of them.
 */
export const placeMany = (engines: Candidate[], demand: Demand, count: number): Candidate[] => {
  const chosen: Candidate[] = [];
  if (demand.preferImage === true && demand.image !== undefined) {
    // Rare, and the image splits the pool in two: the plain pass each time.
    for (let i = 0; i < count; i++) {
      const engine = placeOne(engines, demand);
      if (engine === undefined) break;
      reserve(engine, demand);
      chosen.push(engine);
    }
    return chosen;
  }
  const heap = new ScoreHeap(engines.filter((e) => fits(e, demand)).map((e) => entry(e, demand)));
  while (chosen.length < count) {
    const best = heap.pop();
    if (best === undefined) break;
    reserve(best.engine, demand);
    chosen.push(best.engine);
    if (fits(best.engine, demand)) heap.push(entry(best.engine, demand));
  }
  return chosen;
};

/**
 * `placeMany` on copies: the candidates are not changed. Says which engines, how many did not
 * fit, and the reservations after the batch per engine touched.
 */
export const placeBatch = (
  engines: readonly Candidate[],
  demand: Demand,
  count: number,
): BatchPlacement => {
  const chosen = placeMany(
    engines.map((engine) => ({ ...engine })),
    demand,
    count,
  );
  const reserved = new Map(
    chosen.map((e) => [e.id, { cpus: e.reservedCpus, memory: e.reservedMemory }]),
  );
  return { engines: chosen.map((e) => e.id), unplaced: count - chosen.length, reserved };
};

const reserve = (engine: Candidate, demand: Demand) => {
  engine.reservedCpus += demand.cpus;
  engine.reservedMemory += demand.memory;
};

type Entry = { engine: Candidate; score: number };
const entry = (engine: Candidate, demand: Demand): Entry => ({
  engine,
  score: score(engine, demand),
});
/** Whether `a` is placed before `b`: the higher score, then the lower id (as `placeOne`). */
const before = (a: Entry, b: Entry) =>
  a.score > b.score || (a.score === b.score && a.engine.id < b.engine.id);

/** A binary max-heap of engines by `before`. */
class ScoreHeap {
  constructor(private readonly items: Entry[]) {
    for (let i = Math.floor(items.length / 2) - 1; i >= 0; i--) this.down(i);
  }

  push(item: Entry): void {
    this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(this.at(i), this.at(parent))) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (top !== undefined && last !== undefined && this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(from: number): void {
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < this.items.length && before(this.at(left), this.at(first))) first = left;
      if (right < this.items.length && before(this.at(right), this.at(first))) first = right;
      if (first === i) return;
      this.swap(i, first);
      i = first;
    }
  }

  private at(i: number): Entry {
    return this.items[i] as Entry;
  }

  private swap(i: number, j: number): void {
    const item = this.at(i);
    this.items[i] = this.at(j);
    this.items[j] = item;
  }
}
