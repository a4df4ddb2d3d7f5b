import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipStream, SharedBytes, acceptsGzip, crc32Combine } from './shared-gzip.js';

describe('shared gzip', () => {
  it('joins pieces compressed apart into one gzip stream any client can inflate', () => {
    const texts = ['id: 1\ndata: {"a":1}\n\n', 'x'.repeat(70_000), '', 'id: 2\ndata: é\n\n'];
    const pieces = texts.map((text) => new SharedBytes(Buffer.from(text)));
    const first = new GzipStream();
    const second = new GzipStream();
    const one = [first.header, ...pieces.map((p) => first.next(p.gzipped)), first.end()];
    const other = [second.header, second.next(pieces[3]!.gzipped), second.end()];
    expect(gunzipSync(Buffer.concat(one)).toString()).toBe(texts.join(''));
    expect(gunzipSync(Buffer.concat(other)).toString()).toBe(texts[3]);
    expect(Buffer.concat(one).length).toBeLessThan(1000);
  });

  it('combines checksums as the CRC of the joined bytes', () => {
    const a = randomBytes(1234);
    for (const length of [0, 1, 7, 4096, 100_003]) {
      const b = new SharedBytes(randomBytes(length));
      expect(crc32Combine(crc32(a), b.gzipped)).toBe(crc32(Buffer.concat([a, b.bytes])));
    }
  });

  it('reads Accept-Encoding as a client means it', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
