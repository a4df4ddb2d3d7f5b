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
 * Places `count` replicas one after another, each on the reservations the previous ones left,
 * so a batch spreads over the pool instead of piling onto the emptiest engine. Pure: the
 * candidates are not changed.
 */
export const placeBatch = (
  engines: readonly Candidate[],
  demand: Demand,
  count: number,
): BatchPlacement => {
  const working = engines.map((engine) => ({ ...engine }));
  const placed: string[] = [];
  const reserved = new Map<string, { cpus: number; memory: number }>();
  for (let i = 0; i < count; i++) {
    const engine = placeOne(working, demand);
    if (engine === undefined) return { engines: placed, unplaced: count - i, reserved };
    engine.reservedCpus += demand.cpus;
    engine.reservedMemory += demand.memory;
    reserved.set(engine.id, { cpus: engine.reservedCpus, memory: engine.reservedMemory });
    placed.push(engine.id);
  }
  return { engines: placed, unplaced: 0, reserved };
};
