import type { ParseArgsConfig } from 'node:util';
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
  /** Asks on the terminal; fails when none is attached. */
  ask: (question: string, secret?: boolean) => Promise<string>;
};

export type Command = {
  name: string;
  summary: string;
  usage: string;
  example: string;
  options?: Options;
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
