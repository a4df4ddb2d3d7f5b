// `npm run bench -- engines`: the heartbeat watching 200 simulated engines (tiny HTTP servers
// answering /_ping, in a child process): its CPU time per minute beside a bare probe loop doing
// the same pings, and how long it takes to notice one that dies.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateSecretKey, parseSecretKey } from '@berth/auth';
import { engineStream } from '@berth/contracts';
import { chainKey, openSqliteEventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { forEachBounded } from '../probe.js';
import { DEFAULT_HEARTBEAT, start } from '../start.js';

const ENGINES = 200;
const WINDOW_MS = 20_000;

const SERVERS = `
const http = require('node:http');
const servers = [];
let ready = 0;
for (let i = 0; i < ${ENGINES}; i++) {
  const s = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : '{}'));
  s.listen(0, '127.0.0.1', () => { if (++ready === ${ENGINES}) console.log(JSON.stringify(servers.map((x) => x.address().port))); });
  servers.push(s);
}
process.stdin.on('data', (d) => { const s = servers[Number(String(d).trim())]; s.closeAllConnections(); s.close(); });
`;

const cpuMsPerMinute = async (windowMs: number) => {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000) * (60_000 / windowMs);
};

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-engines-'));
const servers = spawn(process.execPath, ['-e', SERVERS], { stdio: ['pipe', 'pipe', 'inherit'] });
try {
  const [line] = (await once(servers.stdout, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as number[];
  const log = openSqliteEventLog({ file: join(dir, 'events.db'), key: chainKey(randomBytes(32)) });
  const id = newId();
  const metadata = { actor: 'bench', commandId: id, correlationId: id, causationId: id };
  for (const [i, port] of ports.entries()) {
    const data = {
      id: `sim-${i}`,
      addr: `tcp://127.0.0.1:${port}`,
      cpus: 2,
      memory: 1024,
      labels: [],
      dockerVersion: 'sim',
      source: 'manual',
    };
    await log.append(engineStream(`sim-${i}`), 0, [{ type: 'EngineAdded', data, metadata }]);
  }

  console.log(
    `\nHeartbeat over ${ENGINES} simulated engines (interval ${DEFAULT_HEARTBEAT.intervalMs} ms, timeout ${DEFAULT_HEARTBEAT.timeoutMs} ms)`,
  );
  const heartbeat = await start({
    log,
    logger: pino({ level: 'silent' }),
    secretKey: parseSecretKey(generateSecretKey()),
  });
  const healthy = async () =>
    (await log.readAll(1, { filter: { types: ['EngineHealthChanged'] } })).length;
  while ((await healthy()) < ENGINES) await new Promise((resolve) => setTimeout(resolve, 100));
  const berthCpu = await cpuMsPerMinute(WINDOW_MS);

  const killedAt = Date.now();
  servers.stdin.write('17\n');
  for (;;) {
    const changes = await log.readStream('health-sim-17');
    if (changes.some((e) => (e.data as { status: string }).status === 'unhealthy')) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const detectionMs = Date.now() - killedAt;
  await heartbeat.stop();

  // Baseline: the same pings with Node's http client and nothing else, same interval and bound.
  let baselineRunning = true;
  const pingOnce = (port: number) =>
    new Promise<void>((resolve) =>
      get({ host: '127.0.0.1', port, path: '/_ping', timeout: 800 }, (res) =>
        res.resume().on('end', resolve),
      ).on('error', () => resolve()),
    );
  const baseline = (async () => {
    while (baselineRunning) {
      const began = Date.now();
      await forEachBounded(ports, DEFAULT_HEARTBEAT.concurrency, pingOnce);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, DEFAULT_HEARTBEAT.intervalMs - (Date.now() - began))),
      );
    }
  })();
  const baselineCpu = await cpuMsPerMinute(WINDOW_MS);
  baselineRunning = false;
  await baseline;
  await log.close();

  const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);
  row(
    'heartbeat CPU time per minute',
    `${Math.round(berthCpu)} ms  (${(berthCpu / baselineCpu).toFixed(2)}× bare http.get probe loop)`,
  );
  row('bare http.get probe loop CPU time per minute', `${Math.round(baselineCpu)} ms`);
  row('share of one core', `${((berthCpu / 60_000) * 100).toFixed(2)} %`);
  row('detection of a killed engine (stop → unhealthy event)', `${detectionMs} ms`);
} finally {
  servers.kill();
  rmSync(dir, { recursive: true, force: true });
}
