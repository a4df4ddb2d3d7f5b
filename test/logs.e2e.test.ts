// Logs through Berth from a real Docker host: a 20 MB output is answered cut at
// BERTH_LOGS_MAX_BYTES with a marker, in bounded chunks (Berth's memory does not grow by the
// output's size); tail, since and until pick the right lines; bad values are 400s naming them.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunAccepted } from '@berth/contracts';
import {
  addHealthyEngine,
  apiClient,
  login,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

const MAX_BYTES = 10 * 1024 * 1024;
const OUTPUT_BYTES = 20 * 1024 * 1024;
const MB = 1024 * 1024;

let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let token = '';
let api: ReturnType<typeof apiClient>;

/** Runs one replica of `script` (sh -c) and returns its id. */
const runScript = async (script: string) => {
  const run = await api.post<RunAccepted>('/api/containers', {
    image: 'berth/busybox:test',
    cmd: ['sh', '-c', script],
    memory: 64,
  });
  expect(run.status).toBe(202);
  return run.body.containers[0] ?? '';
};

/** A logs answer read as a stream: its size, its last bytes, never the whole of it at once. */
const readLogs = async (id: string, query: string) => {
  const response = await fetch(`${berth.url}/api/containers/${id}/logs?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let bytes = 0;
  let last = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    last = (last + decoder.decode(chunk, { stream: true })).slice(-4096);
  }
  return { status: response.status, bytes, last };
};
const logText = async (id: string, query: string) => {
  const response = await fetch(`${berth.url}/api/containers/${id}/logs?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, text: await response.text() };
};
const linesOf = async (id: string, query: string) => {
  const { status, text } = await logText(id, query);
  expect(status, text).toBe(200);
  return text.split('\n').filter((l) => l !== '');
};

/** A figure of the Berth process from /proc (kB). */
const procStatus = (field: 'VmRSS' | 'VmHWM') => {
  const status = readFileSync(`/proc/${berth.child.pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
};

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(1));
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'logs-admin-1' });
  token = await login(berth.url, 'admin', 'logs-admin-1');
  api = apiClient(berth.url, () => token);
  await addHealthyEngine(api, 'logs-host', hosts[0]?.dockerUrl ?? '');
});

afterAll(async () => {
  await berth?.stop();
  await downHosts?.();
});

describe('logs', () => {
  it('cuts 20 MB of output at BERTH_LOGS_MAX_BYTES with a marker, without holding it', async () => {
    const line = 'x'.repeat(98);
    const id = await runScript(
      `yes ${line} | head -c ${OUTPUT_BYTES}; echo all-written; exec sleep 3600`,
    );
    await within(60_000, 'all 20 MB written', async () =>
      (await logText(id, 'tail=1')).text.includes('all-written'),
    );

    // Twice: the first answer also sizes the heap the way any busy process is sized (V8
    // collects garbage lazily: the copies of each chunk on its way through executor, NATS and
    // API, 29–38 MB for this answer on the same code from one run to the next); the second shows
    // what one more answer costs. Holding the output would cost its size every time.
    const measured = [];
    for (const round of ['first', 'second']) {
      const rssBefore = procStatus('VmRSS');
      // Resets the peak (VmHWM) to the current RSS, so the peak below is this request's.
      writeFileSync(`/proc/${berth.child.pid}/clear_refs`, '5');
      const started = Date.now();
      const answer = await readLogs(id, '');
      const peak = procStatus('VmHWM');
      console.log(
        `logs, ${round} read: ${answer.bytes} bytes answered of ${OUTPUT_BYTES} written in ` +
          `${Date.now() - started} ms; Berth RSS ${(rssBefore / MB).toFixed(1)} MB before, ` +
          `peak ${(peak / MB).toFixed(1)} MB (+${((peak - rssBefore) / MB).toFixed(1)} MB), ` +
          `${(procStatus('VmRSS') / MB).toFixed(1)} MB after`,
      );
      measured.push({ answer, growth: peak - rssBefore });
    }
    const [first, second] = measured;
    const capped = second?.answer ?? { status: 0, bytes: 0, last: '' };
    expect(first?.growth).toBeLessThan(OUTPUT_BYTES * 2);
    expect(second?.growth).toBeLessThan(OUTPUT_BYTES / 4);
    expect(capped.status).toBe(200);
    expect(capped.bytes).toBeGreaterThan(MAX_BYTES);
    expect(capped.bytes).toBeLessThan(MAX_BYTES + 1024);
    expect(capped.last).toMatch(
      /\n\[berth\] output cut after 10485760 bytes \(BERTH_LOGS_MAX_BYTES\); ask for less with \?tail=N .*since=.*\n$/,
    );
    expect(capped.last).toContain(`${line}\n`);

    // A reader that leaves half-way stops the executor's stream; the next read is served.
    const abort = new AbortController();
    const left = await fetch(`${berth.url}/api/containers/${id}/logs`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    await (left.body as ReadableStream<Uint8Array>).getReader().read();
    abort.abort();

    // What fits is answered whole, without a marker.
    const tail = await readLogs(id, 'tail=1000');
    // `head -c` ends mid-line, so the last line is a partial one followed by all-written.
    expect(tail.bytes).toBe(999 * 99 + (OUTPUT_BYTES % 99) + 'all-written\n'.length);
    expect(tail.last).not.toContain('[berth]');
  });

  it('picks lines by tail, since and until (RFC 3339 or Unix seconds)', async () => {
    // Three bursts 3 s apart; the test takes an instant in each gap.
    const id = await runScript(
      'echo a1; echo a2; sleep 3; echo b1; echo b2; sleep 3; echo c1; exec sleep 3600',
    );
    const seen = async (text: string) => {
      await within(15_000, `${text} written`, async () =>
        (await logText(id, '')).text.includes(text),
      );
      return Date.now();
    };
    const afterA = await seen('a2');
    const afterB = await seen('b2');
    await seen('c1');
    const unix = (ms: number) => (ms / 1000).toFixed(3);
    const rfc3339 = (ms: number) => new Date(ms).toISOString();

    expect(await linesOf(id, '')).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(await linesOf(id, 'tail=2')).toEqual(['b2', 'c1']);
    expect(await linesOf(id, 'tail=0')).toEqual([]);
    expect(await linesOf(id, `since=${unix(afterA)}`)).toEqual(['b1', 'b2', 'c1']);
    expect(await linesOf(id, `since=${rfc3339(afterA)}`)).toEqual(['b1', 'b2', 'c1']);
    expect(await linesOf(id, `until=${rfc3339(afterB)}`)).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(await linesOf(id, `since=${rfc3339(afterA)}&until=${unix(afterB)}`)).toEqual([
      'b1',
      'b2',
    ]);
    expect(await linesOf(id, `since=${unix(afterA)}&tail=1`)).toEqual(['c1']);
    expect(await linesOf(id, `since=${unix(Date.now() + 60_000)}`)).toEqual([]);

    // Following still works, from where tail puts it.
    const abort = new AbortController();
    const followed = await fetch(`${berth.url}/api/containers/${id}/logs?follow=true&tail=1`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    const reader = (followed.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('c1\n');
    abort.abort();
    await reader.read().catch(() => undefined);
  });

  it('refuses bad tail, since and until with a 400 naming the field', async () => {
    const id = await runScript('echo only; exec sleep 3600');
    const cases: [string, string][] = [
      ['tail=-1', 'tail'],
      ['tail=ten', 'tail'],
      ['since=yesterday', 'since'],
      ['since=2026-02-30T00:00:00Z', 'since'],
      ['since=2026-12-02T10:00:00', 'since'],
      ['until=1e9', 'until'],
      ['until=10m', 'until'],
      ['since=1796205601&until=2026-12-02T10:00:00Z', 'until'],
    ];
    for (const [query, field] of cases) {
      const { status, text } = await logText(id, query);
      expect(status, query).toBe(400);
      expect(JSON.parse(text), query).toMatchObject({ error: { code: 'invalid', field } });
    }
  });
});
