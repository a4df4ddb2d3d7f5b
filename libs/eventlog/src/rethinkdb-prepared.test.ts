import { r } from 'rethinkdb-ts';
import { describe, expect, it } from 'vitest';
import { datum } from './rethinkdb-prepared.js';

// The values of a prepared query go to the server as the driver would send them in r.expr.
const driverTerm = (value: unknown) => (r.expr(value) as unknown as { term: unknown }).term;

describe('datum', () => {
  it('encodes values as the driver does: arrays as MAKE_ARRAY terms, at any depth', () => {
    const value = {
      batch: [
        { id: 's#0', events: [{ data: { tags: ['a', ['b']], n: 1, ok: true, none: null } }] },
      ],
      released: [],
      tip: 'h',
    };
    expect(datum(value)).toEqual(driverTerm(value));
    expect(datum([1, 'x', null])).toEqual(driverTerm([1, 'x', null]));
  });

  it('leaves out fields that are undefined, as JSON does', () => {
    expect(datum({ a: 1, b: undefined })).toEqual({ a: 1 });
  });
});
