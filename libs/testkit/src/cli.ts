import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Runs the built `berth` CLI (from the repository's root) with `env` added to this process's
 * environment; never throws, so exit codes can be asserted.
 */
export const runCli = async (args: readonly string[], env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['libs/cli/bin/berth.js', ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
