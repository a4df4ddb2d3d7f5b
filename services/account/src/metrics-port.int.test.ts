// Cluster mode: a service process alone serves its own /metrics on BERTH_METRICS_PORT, counting
// the commands it handled and the appends it made.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { generateSecretKey } from '@berth/auth';
import { sendCommand } from '@berth/bus';
import { newId } from '@berth/ids';
import { freePort, startNatsServer, type LocalNats } from '@berth/local-infra';

let nats: LocalNats;
let client: NatsConnection;
let dataDir: string;
let child: ChildProcess | undefined;
let metricsPort = 0;

beforeAll(async () => {
  nats = await startNatsServer();
  client = await connect(nats.access);
  dataDir = mkdtempSync(join(tmpdir(), 'berth-metrics-port-'));
  metricsPort = await freePort();
  const started = spawn(process.execPath, ['services/account/dist/main.js'], {
    env: {
      ...process.env,
      ...nats.env,
      BERTH_DATA_DIR: dataDir,
      BERTH_SECRET_KEY: generateSecretKey(),
      BERTH_ADMIN_PASSWORD: 'metrics-admin',
      BERTH_METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    started.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('account service ready')) resolve();
    });
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.once('exit', () => reject(new Error(`account exited: ${output}`)));
  });
});
afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await client?.drain();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves the process’s own metrics on BERTH_METRICS_PORT', async () => {
  const command = {
    type: 'AddAccount',
    data: { accountId: newId(), username: 'scraped', password: 'scraped-pass-1', role: 'user' },
    metadata: { commandId: newId(), actor: 'metrics-test' },
  };
  await sendCommand(client, command, { timeoutMs: 5000 });
  await sendCommand(
    client,
    { ...command, metadata: { ...command.metadata, commandId: newId() } },
    {
      timeoutMs: 5000,
    },
  ).catch(() => undefined); // the same username again: refused as a conflict
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^berth_commands_total\{type="AddAccount",outcome="ok"\} 1$/m);
  expect(text).toMatch(/^berth_commands_total\{type="AddAccount",outcome="conflict"\} 1$/m);
  expect(text).toMatch(
    /^berth_command_duration_seconds_count\{type="AddAccount",outcome="ok"\} 1$/m,
  );
  expect(text).toMatch(/^berth_eventlog_append_duration_seconds_count [1-9]\d*$/m);
  expect(text).toMatch(/^berth_eventlog_head_position [1-9]\d*$/m);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
});
