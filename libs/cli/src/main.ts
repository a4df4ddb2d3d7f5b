// `berth`: every Berth operation from the terminal.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { CliError, Client, loadLogin } from './client.js';
import { endOptionsAtFirstPositional, UsageError, type Command, type Context } from './command.js';
import { aadd, account, accounts, adelete, aquota, me } from './commands/accounts.js';
import { replay, verify } from './commands/admin.js';
import { clusterinfo, login, logout, passwd } from './commands/auth.js';
import {
  container,
  containers,
  destroy,
  log,
  restart,
  run as runContainers,
  scale,
  start,
  stop,
} from './commands/containers.js';
import { eadd, edelete, engine, engines, joinToken } from './commands/engines.js';
import { events } from './commands/events.js';
import { radd, rdelete, registries } from './commands/registries.js';
import { rollback, update } from './commands/update.js';

const COMMANDS: Command[] = [
  login,
  logout,
  passwd,
  clusterinfo,
  accounts,
  account,
  aadd,
  adelete,
  aquota,
  me,
  engines,
  engine,
  joinToken,
  eadd,
  edelete,
  registries,
  radd,
  rdelete,
  containers,
  container,
  runContainers,
  destroy,
  stop,
  start,
  restart,
  scale,
  update,
  rollback,
  log,
  events,
  replay,
  verify,
];
// Readable spellings of the thesis' short names, and what docker users type.
const ALIASES: Record<string, string> = {
  'account add': 'aadd',
  'account delete': 'adelete',
  'account quota': 'aquota',
  'engine add': 'eadd',
  'engine delete': 'edelete',
  'engine join-token': 'join-token',
  'registry add': 'radd',
  'registry rm': 'rdelete',
  'registry delete': 'rdelete',
  'registry ls': 'registries',
  'cluster info': 'clusterinfo',
  'container list': 'containers',
  'container run': 'run',
  'container destroy': 'destroy',
  'container delete': 'destroy',
  'container start': 'start',
  'container stop': 'stop',
  'container restart': 'restart',
  'container scale': 'scale',
  'container log': 'log',
  'container logs': 'log',
};
const WORD_ALIASES: Record<string, string> = { logs: 'log', ps: 'containers' };

const GLOBAL = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const help = () =>
  [
    'Usage: berth COMMAND [ARGS] [--url URL] [--json]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Also: account add|delete|quota, engine add|delete|join-token, registry add|rm|ls, cluster info, container list|run|start|stop|…, logs, ps.',
    'The server is --url, else BERTH_URL, else the one you logged in to. `berth COMMAND --help` for more.',
  ].join('\n');

const commandHelp = (c: Command) => `${c.summary}\n\nUsage:   ${c.usage}\nExample: ${c.example}`;

const ask = async (question: string, secret = false) => {
  if (!process.stdin.isTTY)
    throw new UsageError(`${question.replace(/:\s*$/, '')} is required (no terminal to ask on)`);
  let muted = false;
  const output = new Writable({
    write: (chunk: Buffer, _enc, done) => (muted ? done() : (process.stdout.write(chunk), done())),
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = rl.question(question);
  muted = secret;
  const value = await answer;
  rl.close();
  if (secret) process.stdout.write('\n');
  return value;
};

const run = async (argv: string[]) => {
  const joined = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  const name = ALIASES[joined] ?? WORD_ALIASES[argv[0] ?? ''] ?? argv[0];
  const rest = ALIASES[joined] === undefined ? argv.slice(1) : argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help')
    return console.log(help());
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`unknown command "${name}"\n\n${help()}`);
  const options = { ...GLOBAL, ...command.options };
  const parsed = parseArgs({
    args: command.passThrough === true ? endOptionsAtFirstPositional(rest, options) : rest,
    options,
    allowPositionals: true,
    strict: true,
  });
  if (parsed.values.help === true) return console.log(commandHelp(command));
  const saved = loadLogin(process.env);
  // An empty BERTH_URL counts as unset.
  const url = parsed.values.url ?? (process.env.BERTH_URL || saved?.url);
  const context: Context = {
    args: parsed.positionals,
    values: parsed.values,
    json: parsed.values.json === true,
    env: process.env,
    client: () => {
      if (url === undefined || saved === undefined)
        throw new CliError('not logged in: run `berth login --url URL -u NAME`');
      return new Client(url, saved.token);
    },
    print: (text) => console.log(text),
    warn: (text) => console.error(text),
    write: (chunk) => void process.stdout.write(chunk),
    ask,
  };
  try {
    await command.run(context);
  } catch (error) {
    if (error instanceof UsageError)
      throw new UsageError(`${error.message}\nUsage: ${command.usage}`);
    throw error;
  }
};

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    console.error(`berth: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof CliError) {
    console.error(`berth: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    console.error(
      `berth: unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  }
}
