import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { bashCompletion, zshCompletion, type Vocabulary } from './completion.js';

const vocabulary: Vocabulary = {
  commands: ['container', 'containers', 'scale', 'start', 'stop'],
  subcommands: { container: ['ls', 'rm'], completion: ['bash', 'zsh'] },
};

/** What bash completes for the words typed so far (the last one being completed). */
const complete = (...typed: string[]) =>
  execFileSync(
    'bash',
    [
      '-c',
      `${bashCompletion(vocabulary)}
COMP_WORDS=(berth ${typed.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${typed.length}
_berth; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((l) => l !== '');

it('completes commands, second words and options in bash, past global options', () => {
  expect(complete('sc')).toEqual(['scale']);
  expect(complete('st')).toEqual(['start', 'stop']);
  expect(complete('--url', 'http://x', 'sc')).toEqual(['scale']);
  expect(complete('container', 'l')).toEqual(['ls']);
  expect(complete('--js')).toEqual(['--json']);
  expect(complete('scale', 'x')).toEqual([]);
});

it('writes a zsh script that registers itself', () => {
  const script = zshCompletion(vocabulary);
  expect(script).toMatch(/^#compdef berth\n/);
  expect(script).toContain('compadd -- container containers scale start stop');
  expect(script).toContain('container) compadd -- ls rm ;;');
  expect(script).toContain('compdef _berth berth');
});
