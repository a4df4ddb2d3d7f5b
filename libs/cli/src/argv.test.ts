import { expect, it } from 'vitest';
import { hoistGlobals } from './argv.js';

it('takes the global options before the command, and leaves the rest to it', () => {
  expect(hoistGlobals(['--url', 'http://b:5002', '--json', 'containers', '-a'])).toEqual({
    globals: ['--url', 'http://b:5002', '--json'],
    words: ['containers', '-a'],
  });
  expect(hoistGlobals(['--url=http://b', 'container', 'ls'])).toEqual({
    globals: ['--url=http://b'],
    words: ['container', 'ls'],
  });
  expect(hoistGlobals(['--version'])).toEqual({ globals: ['--version'], words: [] });
  // A command's own option before the command is not global: left for the usage error.
  expect(hoistGlobals(['--all', 'containers'])).toEqual({
    globals: [],
    words: ['--all', 'containers'],
  });
});
