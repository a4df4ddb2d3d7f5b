import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export type Child = {
  pid: number;
  output: () => string;
  /** Whether it has exited (by itself or killed). */
  exited: () => boolean;
  stop: () => Promise<void>;
};

/**
 * Spawns a helper daemon that dies with us: `setpriv --pdeathsig` asks the kernel to send it
 * SIGTERM when this process exits, even by SIGKILL, so no child is ever left behind.
 */
export const spawnChild = (
  command: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
): Child => {
  const child: ChildProcess = spawn('setpriv', ['--pdeathsig', 'TERM', command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** Retries `probe` until it resolves or `timeoutMs` passes. */
export const waitUntil = async (what: string, probe: () => Promise<unknown>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not become ready in ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
};
