// `npm run bench -- placement`: the pure scheduler placing 10,000 replicas over 1,000 engines,
// beside a first-fit placer (the simplest thing that could work) in the same run.
import { performance } from 'node:perf_hooks';
import { fits, placeBatch, type Candidate, type Demand } from '../index.js';

const ENGINES = 1000;
const REPLICAS = 10_000;
const engines: Candidate[] = Array.from({ length: ENGINES }, (_, i) => ({
  id: `engine-${String(i).padStart(4, '0')}`,
  schedulable: i % 50 !== 0,
  labels: i % 3 === 0 ? ['ssd'] : [],
  cpus: 8 + (i % 4) * 8,
  memory: 16_384 + (i % 5) * 8192,
  reservedCpus: i % 7,
  reservedMemory: (i % 11) * 512,
}));
const demand: Demand = { cpus: 0.5, memory: 256, labels: [] };

const firstFit = () => {
  const working = engines.map((e) => ({ ...e }));
  for (let i = 0; i < REPLICAS; i++) {
    const engine = working.find((e) => fits(e, demand));
    if (engine === undefined) break;
    engine.reservedCpus += demand.cpus;
    engine.reservedMemory += demand.memory;
  }
};

const time = (work: () => unknown) => {
  const started = performance.now();
  work();
  return performance.now() - started;
};

time(() => placeBatch(engines, demand, 1000)); // warm up
const berthMs = time(() => placeBatch(engines, demand, REPLICAS));
const firstFitMs = time(firstFit);
const rate = (ms: number) => Math.round((REPLICAS / ms) * 1000);
console.log(
  `\nPlacement: ${REPLICAS.toLocaleString('en-US')} replicas over ${ENGINES.toLocaleString('en-US')} engines`,
);
console.log(
  `${'scored placement (filters + CPU 65 / memory 35)'.padEnd(58)} ${rate(berthMs).toLocaleString('en-US').padStart(10)} placements/s  (${(rate(berthMs) / rate(firstFitMs)).toFixed(2)}× first fit)`,
);
console.log(
  `${'first fit'.padEnd(58)} ${rate(firstFitMs).toLocaleString('en-US').padStart(10)} placements/s`,
);
