import { execFile } from 'node:child_process';

/** The docker CLI, killed after `timeoutMs`; resolves stdout, rejects with its stderr. */
export const docker = (args: string[], timeoutMs = 60_000) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout.trim());
        else
          reject(
            new Error(`docker ${args.slice(0, 3).join(' ')}: ${stderr.trim() || error.message}`),
          );
      },
    );
  });
