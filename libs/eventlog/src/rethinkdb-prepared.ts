import { r, type Connection, type RDatum, type RunOptions } from 'rethinkdb-ts';

// rethinkdb-ts makes every term of a query an object holding a method for each of ReQL's two
// hundred terms. Built again for each append, the few dozen terms of a query cost the instance
// more CPU than the server spends writing it, and one append at a time waits for that CPU.
// A prepared query is built once, as a function of its parameters; a run sends the function's
// term applied to the values (a ReQL FUNCALL), which is what `r.do(values, body)` sends too.

const FUNCALL = 64;
const MAKE_ARRAY = 2;

/** The wire form of the driver's terms: nested arrays and objects. */
type TermJson = unknown;

/** What the driver's connection class has beyond its public interface: running a wire term. */
type TermRunner = {
  query(
    term: TermJson,
    options?: RunOptions,
  ): Promise<{ resolve(): Promise<unknown[] | undefined> } | undefined>;
};

/** A JSON value as a ReQL datum: arrays become MAKE_ARRAY terms; objects and scalars stay. */
export const datum = (value: unknown): TermJson => {
  if (Array.isArray(value)) return [MAKE_ARRAY, value.map(datum)];
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, TermJson> = {};
  for (const [key, field] of Object.entries(value))
    if (field !== undefined) out[key] = datum(field);
  return out;
};

/**
 * Builds `body` once; each call runs it with `params` on `conn` and answers its single result
 * (a write's summary, a document, an object). Parameters are plain JSON: no dates or buffers.
 */
export const prepare = <Params extends object, Result>(body: (params: RDatum) => unknown) => {
  const built = r.do(r.expr(null), body as never) as unknown as { term: [number, [TermJson]] };
  const func = built.term[1][0];
  return async (conn: Connection, params: Params, options?: RunOptions): Promise<Result> => {
    const cursor = await (conn as unknown as TermRunner).query(
      [FUNCALL, [func, datum(params)]],
      options,
    );
    const results = await cursor?.resolve();
    return results?.[0] as Result;
  };
};
