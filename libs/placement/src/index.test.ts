import { describe, expect, it } from 'vitest';
import {
  fits,
  placeBatch,
  placeMany,
  placeOne,
  score,
  type Candidate,
  type Demand,
} from './index.js';

const engine = (id: string, over: Partial<Candidate> = {}): Candidate => ({
  id,
  schedulable: true,
  labels: [],
  cpus: 4,
  memory: 4096,
  reservedCpus: 0,
  reservedMemory: 0,
  ...over,
});
const small: Demand = { cpus: 1, memory: 512, labels: [] };

describe('placement', () => {
  it('scores by the thesis formula: CPU 65, memory 35, on reservations', () => {
    expect(score(engine('a'), small)).toBeCloseTo((1 - 1 / 4) * 65 + (1 - 512 / 4096) * 35);
    expect(score(engine('a', { reservedCpus: 3, reservedMemory: 3584 }), small)).toBeCloseTo(0);
  });

  it('filters out unhealthy engines, missing labels and engines without room', () => {
    expect(fits(engine('a', { schedulable: false }), small)).toBe(false);
    expect(fits(engine('a', { labels: ['ssd'] }), { ...small, labels: ['ssd', 'gpu'] })).toBe(
      false,
    );
    expect(
      fits(engine('a', { labels: ['ssd', 'gpu', 'x'] }), { ...small, labels: ['ssd', 'gpu'] }),
    ).toBe(true);
    expect(fits(engine('a', { reservedCpus: 3.5 }), small)).toBe(false);
    expect(fits(engine('a', { reservedMemory: 3585 }), small)).toBe(false);
    expect(fits(engine('a', { reservedCpus: 3, reservedMemory: 3584 }), small)).toBe(true); // exactly full is allowed
  });

  it('takes the freest engine, and prefers ones with the image only when asked', () => {
    const engines = [
      engine('a', { reservedCpus: 2 }),
      engine('b', { images: ['web:1'], reservedCpus: 3 }),
      engine('c'),
    ];
    expect(placeOne(engines, small)?.id).toBe('c');
    expect(placeOne(engines, { ...small, image: 'web:1', preferImage: true })?.id).toBe('b');
    expect(placeOne(engines, { ...small, image: 'web:2', preferImage: true })?.id).toBe('c');
    expect(placeOne([engine('z'), engine('y')], small)?.id).toBe('y'); // ties: lower id
    expect(placeOne([engine('a', { schedulable: false })], small)).toBeUndefined();
  });

  it('spreads a batch 4/4/4 over three equal engines and says how many did not fit', () => {
    const three = [engine('e1'), engine('e2'), engine('e3')];
    const batch = placeBatch(three, small, 12);
    const counts = Object.fromEntries(
      ['e1', 'e2', 'e3'].map((id) => [id, batch.engines.filter((e) => e === id).length]),
    );
    expect(counts).toEqual({ e1: 4, e2: 4, e3: 4 });
    expect(batch.unplaced).toBe(0);
    expect(three.every((e) => e.reservedCpus === 0)).toBe(true); // inputs untouched
    const over = placeBatch(three, small, 15);
    expect(over.engines).toHaveLength(12);
    expect(over.unplaced).toBe(3);
    expect(over.reserved.get('e1')).toEqual({ cpus: 4, memory: 2048 });
  });

  it('places a batch exactly as placeOne would, replica after replica, on mixed engines', () => {
    // A small deterministic generator: the same pools every run.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const pool = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) =>
        engine(`e${Math.floor(random() * 30)}-${i}`, {
          schedulable: random() > 0.1,
          labels: random() > 0.5 ? ['ssd'] : [],
          cpus: [1, 2, 4, 8][Math.floor(random() * 4)] as number,
          memory: [1024, 2048, 8192][Math.floor(random() * 3)] as number,
          reservedCpus: Math.floor(random() * 3) * 0.5,
          reservedMemory: Math.floor(random() * 4) * 256,
        }),
      );
      const demand: Demand = {
        cpus: [0.1, 0.25, 0.5, 1][Math.floor(random() * 4)] as number,
        memory: [64, 128, 512][Math.floor(random() * 3)] as number,
        labels: random() > 0.7 ? ['ssd'] : [],
      };
      const count = Math.floor(random() * 120);
      const oneByOne = pool.map((e) => ({ ...e }));
      const expected: string[] = [];
      for (let i = 0; i < count; i++) {
        const picked = placeOne(oneByOne, demand);
        if (picked === undefined) break;
        picked.reservedCpus += demand.cpus;
        picked.reservedMemory += demand.memory;
        expected.push(picked.id);
      }
      const batched = pool.map((e) => ({ ...e }));
      expect(placeMany(batched, demand, count).map((e) => e.id)).toEqual(expected);
      expect(batched).toEqual(oneByOne); // the same reservations left behind
    }
  });
});
