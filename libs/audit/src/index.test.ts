import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { describeEvent, describeFor, matchesFilter, withoutProbeDetail } from './index.js';

const recorded = (type: string, data: unknown, position = 7): RecordedEvent => ({
  position,
  id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  stream: 's-1',
  version: 1,
  type,
  v: 1,
  at: '2026-11-22T10:00:00.000Z',
  data,
  metadata: { actor: 'admin', commandId: 'C', correlationId: 'R', causationId: 'A' },
  hash: 'f'.repeat(64),
});

describe('audit view', () => {
  it("shows a non-admin an unhealthy engine as unreachable, never the probe's words", () => {
    const probe = (status: string, reason: string) =>
      recorded('EngineHealthChanged', {
        id: 'e1',
        status,
        responseTimeMs: null,
        checkedAt: '2026-11-22T10:00:00.000Z',
        reason,
      });
    const reasons = [
      'no answer to /_ping, twice: connect ECONNREFUSED 10.0.0.1:2375',
      'no answer to /_ping, twice: no answer within 800 ms',
      'no answer to /_ping, twice: it answered HTTP 404, so it is not a Docker API',
      'no answer to /_ping, twice: it answered /_ping with "SSH-2.0-OpenSSH", so it is not a Docker API',
    ];
    for (const reason of reasons) {
      const event = probe('unhealthy', reason);
      expect(describeFor(event, 'admin').message).toBe(`engine e1 is unhealthy: ${reason}`);
      expect(describeFor(event, 'user')).toEqual({
        ...describeEvent(event),
        message: 'engine e1 is unhealthy: unreachable',
      });
    }
    const healthy = probe('healthy', 'answers /_ping');
    expect(withoutProbeDetail(healthy)).toBe(healthy);
    expect(describeFor(healthy, 'user').message).toBe('engine e1 is healthy: answers /_ping');
    const lost = recorded('EngineLost', { id: 'e1', reason: 'lease expired' });
    expect(withoutProbeDetail(lost)).toBe(lost);
  });

  it('says what happened, with references and tags, and never copies secrets', () => {
    const sealed = recorded('EngineAdded', {
      id: 'e1',
      addr: 'tcp://10.0.0.1:2375',
      cpus: 2,
      memory: 1,
      labels: [],
      dockerVersion: '20',
      source: 'manual',
      tls: 'v1.SEALED',
    });
    expect(describeEvent(sealed)).toEqual({
      position: 7,
      id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
      type: 'EngineAdded',
      stream: 's-1',
      at: '2026-11-22T10:00:00.000Z',
      actor: 'admin',
      message: 'engine e1 added at tcp://10.0.0.1:2375 (manual)',
      tags: ['engine'],
      refs: { engine: 'e1' },
      commandId: 'C',
      correlationId: 'R',
      causationId: 'A',
    });
    const secretive = [
      recorded('AccountPasswordSet', { accountId: 'A1', hash: 'scrypt$16384$8$1$salt$key' }),
      recorded('SessionStarted', {
        accountId: 'A1',
        tokenHash: 'abc123tokenhash',
        expiresAt: '2030-01-01T00:00:00.000Z',
        source: '1.2.3.4',
      }),
      sealed,
    ];
    expect(JSON.stringify(secretive.map(describeEvent))).not.toMatch(
      /scrypt|abc123tokenhash|SEALED/,
    );
    expect(describeEvent(recorded('SomethingNew', { password: 'x' })).message).toBe('SomethingNew');
  });

  it('says how many Docker events a summary stands for, and about which container', () => {
    const summary = describeEvent(
      recorded('DockerEventsSuppressed', {
        engine: 'e1',
        dockerId: 'abcdef0123456789',
        container: 'C1',
        group: 'G1',
        suppressed: 9,
        actions: { die: 5, start: 4 },
        limit: 4,
        from: '2026-11-22T10:00:00.000Z',
        until: '2026-11-22T10:01:00.000Z',
        timeNano: '1795000000000000000',
      }),
    );
    expect(summary.message).toBe(
      'docker on e1: container abcdef012345 had 9 more event(s) than 4 a minute, not recorded one by one (die 5, start 4) between 2026-11-22T10:00:00.000Z and 2026-11-22T10:01:00.000Z',
    );
    expect(summary.refs).toEqual({ container: 'C1', group: 'G1', engine: 'e1' });
    expect(summary.tags).toEqual(['docker']);
  });

  it('filters by type, refs, actor, tag and time', () => {
    const e = describeEvent(recorded('EngineLost', { id: 'e2', reason: 'lease expired' }));
    expect(matchesFilter(e, {})).toBe(true);
    expect(
      matchesFilter(e, {
        type: ['EngineLost', 'EngineAdded'],
        engine: 'e2',
        actor: 'admin',
        tag: 'engine',
      }),
    ).toBe(true);
    expect(matchesFilter(e, { engine: 'e3' })).toBe(false);
    expect(matchesFilter(e, { tag: 'health' })).toBe(false);
    expect(
      matchesFilter(e, { since: '2026-11-22T10:00:00.000Z', until: '2026-11-22T10:00:00.000Z' }),
    ).toBe(true);
    expect(matchesFilter(e, { since: '2026-11-22T10:00:00.001Z' })).toBe(false);
  });
});
