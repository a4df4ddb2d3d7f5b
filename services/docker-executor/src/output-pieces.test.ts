import { describe, expect, it } from 'vitest';
import { OutputPieces } from './output-pieces.js';

const text = (s: string) => Buffer.from(s);

describe('output pieces', () => {
  it('gathers short lines of one stream into one piece and splits at a change of stream', () => {
    const pieces = new OutputPieces(1024);
    expect(pieces.push('stdout', text('a\n'))).toEqual([]);
    expect(pieces.push('stdout', text('b\n'))).toEqual([]);
    expect(pieces.push('stderr', text('oops\n'))).toEqual([{ stream: 'stdout', data: 'a\nb\n' }]);
    expect(pieces.flush()).toEqual([{ stream: 'stderr', data: 'oops\n' }]);
    expect(pieces.flush()).toEqual([]);
  });

  it('cuts one long line into pieces of at most pieceBytes', () => {
    const pieces = new OutputPieces(4);
    const done = [...pieces.push('stdout', text('0123456789')), ...pieces.flush()];
    expect(done.map((p) => p.data)).toEqual(['0123', '4567', '89']);
  });

  it('finishes a UTF-8 character split between pieces in the next one', () => {
    const pieces = new OutputPieces(4);
    const done = [...pieces.push('stdout', text('abcé€x')), ...pieces.flush()];
    expect(done.map((p) => p.data).join('')).toBe('abcé€x');
    expect(done.every((p) => !p.data.includes('\uFFFD'))).toBe(true);
  });

  it('takes at most maxBytes and then says it cut', () => {
    const pieces = new OutputPieces(4, 6);
    const done = [...pieces.push('stdout', text('01234')), ...pieces.push('stdout', text('56'))];
    done.push(...pieces.flush());
    expect(done.map((p) => p.data).join('')).toBe('012345');
    expect(pieces.cut).toBe(true);
    expect(pieces.push('stdout', text('more'))).toEqual([]);
  });

  it('does not call output that fits exactly cut', () => {
    const pieces = new OutputPieces(4, 6);
    pieces.push('stdout', text('012345'));
    expect(pieces.cut).toBe(false);
  });
});
