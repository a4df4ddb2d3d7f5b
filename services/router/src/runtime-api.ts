import { createConnection } from 'node:net';

/** One command on HAProxy's runtime API (its stats socket); resolves with the answer's text. */
export const runtimeCommand = (socket: string, command: string, timeoutMs = 5000) =>
  new Promise<string>((resolve, reject) => {
    const connection = createConnection(socket);
    let answer = '';
    connection.setTimeout(timeoutMs, () =>
      connection.destroy(new Error(`haproxy did not answer "${command}" in ${timeoutMs} ms`)),
    );
    connection.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    connection.on('error', reject);
    connection.on('end', () => resolve(answer.trim()));
    connection.write(`${command}\n`);
  });
