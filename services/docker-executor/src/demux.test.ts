import { describe, expect, it } from 'vitest';
import { LogDemuxer } from './demux.js';

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('log demuxer', () => {
  it('splits stdout and stderr frames, whatever the chunk boundaries', () => {
    const whole = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'bye\n')]);
    for (const cut of [1, 3, 8, 9, 17, whole.length]) {
      const out: string[] = [];
      const demuxer = new LogDemuxer((stream, data) => out.push(`${stream}:${data.toString()}`));
      for (let i = 0; i < whole.length; i += cut) demuxer.push(whole.subarray(i, i + cut));
      expect(out).toEqual(['stdout:hello\n', 'stderr:oops\n', 'stdout:bye\n']);
    }
  });
});
