import { describe, expect, it } from 'vitest';
import { datum } from './rethinkdb-prepared.js';

// ReQL's wire form: an array is a MAKE_ARRAY term (2) of its elements; objects and scalars are
// sent as they are. The conformance suite runs the prepared queries against a real server.
describe('datum', () => {
  it('encodes arrays as MAKE_ARRAY terms at any depth, inside objects too', () => {
    const value = {
      batch: [
        { id: 's#0', events: [{ data: { tags: ['a', ['b']], n: 1, ok: true, none: null } }] },
      ],
      released: [],
      tip: 'h',
    };
    expect(datum(value)).toEqual({
      batch: [
        2,
        [
          {
            id: 's#0',
            events: [2, [{ data: { tags: [2, ['a', [2, ['b']]]], n: 1, ok: true, none: null } }]],
          },
        ],
      ],
      released: [2, []],
      tip: 'h',
    });
    expect(datum([1, 'x', null])).toEqual([2, [1, 'x', null]]);
  });

  it('leaves out fields that are undefined, as JSON does', () => {
    expect(datum({ a: 1, b: undefined })).toEqual({ a: 1 });
  });
});
