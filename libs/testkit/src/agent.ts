import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IMAGE_SCRIPT = fileURLToPath(new URL('../../../infra/image.sh', import.meta.url));

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

/**
 * Runs the agent from Berth's image on a test host, as an operator would on a Docker host: the
 * image made by infra/image.sh is imported into that host's dockerd, and the agent runs there in
 * the host's network (so it sees the host's address and Docker). Returns the container's id.
 */
export const runAgentImage = async (
  host: { socket: string },
  tag: string,
  env: Record<string, string>,
) => {
  const docker = `unix://${host.socket}`;
  await run('bash', [IMAGE_SCRIPT, tag, docker], { timeout: 120_000 });
  const { stdout } = await run(
    'docker',
    [
      '-H',
      docker,
      'run',
      '-d',
      '--network',
      'host',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      tag,
      'agent',
    ],
    { timeout: 30_000 },
  );
  return stdout.trim();
};

/** The last lines an agent started by `runAgentImage` wrote: for a failing test to show. */
export const agentImageLogs = async (host: { socket: string }, id: string) => {
  const { stdout, stderr } = await run(
    'docker',
    ['-H', `unix://${host.socket}`, 'logs', '--tail', '40', id],
    { timeout: 10_000 },
  );
  return stdout + stderr;
};
