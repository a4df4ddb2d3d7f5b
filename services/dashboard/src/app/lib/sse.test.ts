import { describe, expect, it } from 'vitest';
import { sseParser } from './sse';

describe('sseParser', () => {
  it('reads messages with ids, names and several data lines', () => {
    const parse = sseParser();
    expect(parse('id: 7\ndata: {"a":1}\n\nevent: error\ndata: x\ndata: y\n\n')).toEqual([
      { id: '7', event: 'message', data: '{"a":1}' },
      { id: '7', event: 'error', data: 'x\ny' },
    ]);
  });

  it('joins messages split anywhere across chunks, \\r\\n included', () => {
    const parse = sseParser();
    const text = 'id: 1\r\ndata: one\r\n\r\n: keep-alive\r\nid: 2\r\ndata: two\r\n\r\n';
    const seen = [...text].flatMap((char) => parse(char));
    expect(seen).toEqual([
      { id: '1', event: 'message', data: 'one' },
      { id: '2', event: 'message', data: 'two' },
    ]);
  });

  it('keeps an incomplete message until its blank line arrives', () => {
    const parse = sseParser();
    expect(parse('id: 3\ndata: half')).toEqual([]);
    expect(parse('\n\n')).toEqual([{ id: '3', event: 'message', data: 'half' }]);
  });
});
