// `berth`: every Berth operation from the terminal.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { hoistGlobals } from './argv.js';
import { CliError, Client, loadLogin, sameServer } from './client.js';
import { endOptionsAtFirstPositional, UsageError, type Command, type Context } from './command.js';
import { bashCompletion, zshCompletion, type Vocabulary } from './completion.js';
import { aadd, account, accounts, adelete, aquota, me } from './commands/accounts.js';
import { replay, verify } from './commands/admin.js';
import { clusterinfo, login, logout, passwd } from './commands/auth.js';
import {
  container,
  containers,
  destroy,
  groups,
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
  groups,
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
  'container ls': 'containers',
  'container inspect': 'container',
  'container rm': 'destroy',
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
  version: { type: 'boolean' },
} as const;

/** Every word `berth completion` offers, from the commands and aliases above. */
const vocabulary = (): Vocabulary => {
  const subcommands: Record<string, string[]> = { completion: ['bash', 'zsh'] };
  for (const alias of Object.keys(ALIASES)) {
    const [first = '', second = ''] = alias.split(' ');
    (subcommands[first] ??= []).push(second);
  }
  const commands = [
    ...COMMANDS.map((c) => c.name),
    ...Object.keys(WORD_ALIASES),
    ...Object.keys(subcommands),
  ];
  return { commands: [...new Set(commands)].sort(), subcommands };
};

const completion: Command = {
  name: 'completion',
  summary: 'print a shell completion script (bash or zsh)',
  usage: 'berth completion bash|zsh',
  example: 'source <(berth completion bash)',
  run(context) {
    const [shell] = context.args;
    if (shell === 'bash') context.write(bashCompletion(vocabulary()));
    else if (shell === 'zsh') context.write(zshCompletion(vocabulary()));
    else throw new UsageError('say which shell: bash or zsh');
    return Promise.resolve();
  },
};
COMMANDS.push(completion);

const version = () =>
  (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

const help = () =>
  [
    'Usage: berth [--url URL] [--json] COMMAND [ARGS]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Also: account add|delete|quota, engine add|delete|join-token, registry add|rm|ls, cluster info,',
    'container ls|run|start|stop|rm|…, logs, ps, completion.',
    'The server is --url, else BERTH_URL, else the one you logged in to; the token is BERTH_TOKEN,',
    'else the saved login for that server. `berth COMMAND --help` for more.',
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
  const { globals, words } = hoistGlobals(argv);
  const joined = `${words[0] ?? ''} ${words[1] ?? ''}`;
  const name = ALIASES[joined] ?? WORD_ALIASES[words[0] ?? ''] ?? words[0];
  const rest = [...globals, ...(ALIASES[joined] === undefined ? words.slice(1) : words.slice(2))];
  if (name === undefined && globals.includes('--version')) return console.log(version());
  if (name === undefined && globals.some((g) => g !== '--help' && g !== '-h'))
    throw new UsageError(`say which command\n\n${help()}`);
  if (name === undefined || name === 'help' || name.startsWith('-')) {
    if (name !== undefined && name !== 'help' && name !== '--help' && name !== '-h')
      throw new UsageError(`unknown option "${name}"\n\n${help()}`);
    return console.log(help());
  }
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
  if (parsed.values.version === true) return console.log(version());
  const saved = loadLogin(process.env);
  // An empty BERTH_URL (or BERTH_TOKEN) counts as unset.
  const url = parsed.values.url ?? (process.env.BERTH_URL || saved?.url);
  // The saved token goes only to the server it was issued by, never to another --url.
  const token =
    process.env.BERTH_TOKEN ||
    (saved !== undefined && url !== undefined && sameServer(saved.url, url)
      ? saved.token
      : undefined);
  const context: Context = {
    args: parsed.positionals,
    values: parsed.values,
    json: parsed.values.json === true,
    env: process.env,
    client: () => {
      if (url === undefined || token === undefined)
        throw new CliError(
          saved === undefined || url === undefined
            ? 'not logged in: run `berth login --url URL -u NAME` (or set BERTH_TOKEN)'
            : `not logged in to ${url} (the saved login is for ${saved.url}): run \`berth login --url ${url}\``,
        );
      return new Client(url, token);
    },
    print: (text) => console.log(text),
    warn: (text) => console.error(text),
    write: (chunk) => void process.stdout.write(chunk),
    colour: process.stdout.isTTY && !process.env.NO_COLOR,
    stdin: async () => {
      let text = '';
      for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
      return text;
    },
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
