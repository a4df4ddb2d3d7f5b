// `infra/cluster.sh up`: starts a cluster with the testkit and holds it until SIGINT/SIGTERM.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '@berth/testkit/cluster';

const [state = '', ...rest] = process.argv.slice(2);
let options;
try {
  const { values } = parseArgs({
    args: rest,
    options: {
      nats: { type: 'string', default: '3' },
      etcd: { type: 'string', default: '3' },
      instances: { type: 'string', default: '2' },
    },
  });
  options = { nats: +values.nats, etcd: +values.etcd, instances: +values.instances };
} catch (error) {
  console.error(
    `${error.message}\nusage: infra/cluster.sh up [--nats N] [--etcd N] [--instances N]`,
  );
  process.exit(2);
}

const cluster = await startCluster(options).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
mkdirSync(state, { recursive: true, mode: 0o700 });
writeFileSync(join(state, 'pid'), String(process.pid));
writeFileSync(
  join(state, 'cluster.env'),
  [
    `BERTH_URL=${cluster.apiUrls[0]}`,
    `BERTH_ADMIN_PASSWORD=${cluster.adminPassword}`,
    ...Object.entries(cluster.nats.env).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(cluster.etcd.env).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n'),
  { mode: 0o600 },
);
console.log(`cluster ${cluster.runId} is up (data in ${cluster.dir})`);
console.log(`api: ${cluster.apiUrls.join(' ')}`);
for (const p of cluster.processes) console.log(`  ${p.name.padEnd(20)} pid ${p.pid}`);
console.log(`admin password and client settings: ${join(state, 'cluster.env')}`);
console.log('Ctrl-C or infra/cluster.sh down stops it');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.down();
  rmSync(state, { recursive: true, force: true });
  console.log(`cluster ${cluster.runId} is down`);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
