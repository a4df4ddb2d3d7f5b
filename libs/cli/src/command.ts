import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Client } from './client.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export type Context = {
  args: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  env: NodeJS.ProcessEnv;
  /** A client for the saved (or --url / BERTH_URL) server; fails when not logged in. */
  client: () => Client;
  print: (text: string) => void;
  /** A line on stderr: progress and notes that must not mix with the result on stdout. */
  warn: (text: string) => void;
  /** Raw output on stdout, as it comes (container logs). */
  write: (chunk: string) => void;
  /** Whether output may be coloured: stdout is a terminal and NO_COLOR is not set. */
  colour: boolean;
  /** All of standard input, as text (`--password-stdin`). */
  stdin: () => Promise<string>;
  /** Asks on the terminal; fails when none is attached. */
  ask: (question: string, secret?: boolean) => Promise<string>;
};

export type Command = {
  name: string;
  summary: string;
  usage: string;
  example: string;
  options?: Options;
  /** What follows the first positional is its own (as in `docker run IMAGE CMD…`), options too. */
  passThrough?: boolean;
  run: (context: Context) => Promise<void>;
};

/** A string option's value, or a usage error naming it. */
export const required = (context: Context, name: string): string => {
  const value = context.values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
};

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The arguments with a `--` before the first positional, so that `run IMAGE sh -c …` hands
 * `-c` to the container instead of reading it as an option of berth.
 */
export const endOptionsAtFirstPositional = (args: string[], options: Options): string[] => {
  const { tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  return first?.kind === 'positional'
    ? [...args.slice(0, first.index), '--', ...args.slice(first.index)]
    : args;
};
