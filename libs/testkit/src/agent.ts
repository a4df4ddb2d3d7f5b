import { spawn } from 'node:child_process';

/**
 * Runs the built agent with `env` (beside this process's), inside the network namespace
 * `netns` when given: there it is "on" that test host. Output is kept for assertions.
 */
export const spawnAgent = (env: Record<string, string>, netns?: string) => {
  const agent = [process.execPath, 'services/agent/dist/main.js'];
  const [command = '', ...args] =
    netns === undefined ? agent : ['ip', 'netns', 'exec', netns, ...agent];
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
};
