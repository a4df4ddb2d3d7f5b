// `node libs/hollow-engines/dist/main.js COUNT [LATENCY_MS]`: serves COUNT hollow engines and
// prints their addresses as one JSON line; stops on SIGTERM or when stdin closes.
import { startHollowEngines } from './server.js';

const count = Number(process.argv[2] ?? '10');
const latencyMs = Number(process.argv[3] ?? '3');
const hollow = await startHollowEngines(count, { latencyMs });
console.log(JSON.stringify(hollow.addrs));
const stop = () => void hollow.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
