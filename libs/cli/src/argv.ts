/** Options every command takes; they may also come before the command (`berth --json ps`). */
const GLOBAL_WITH_VALUE = new Set(['--url']);
const GLOBAL_FLAGS = new Set(['--json', '--help', '-h', '--version']);

/**
 * Splits `argv` into the leading global options and the command words with their own
 * arguments, so `berth --url U containers -a` parses as `berth containers --url U -a`.
 */
export const hoistGlobals = (argv: readonly string[]) => {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (GLOBAL_FLAGS.has(word) || word.startsWith('--url=')) globals.push(word);
    else if (GLOBAL_WITH_VALUE.has(word)) {
      globals.push(word, ...argv.slice(i + 1, i + 2));
      i++;
    } else break;
  }
  return { globals, words: argv.slice(i) };
};
