import { Client, forgetLogin, HttpError, saveLogin } from '../client.js';
import { UsageError, type Command } from '../command.js';
import { usedCpu, usedMb } from '../output.js';

export const login: Command = {
  name: 'login',
  summary: 'log in and keep the token for the next commands',
  usage: 'berth login [--url URL] [-u NAME] [-p PASSWORD | --password-stdin]',
  example: 'berth login --url http://127.0.0.1:5002 -u admin --password-stdin < password.txt',
  options: {
    username: { type: 'string', short: 'u' },
    password: { type: 'string', short: 'p' },
    'password-stdin': { type: 'boolean' },
  },
  async run(context) {
    const url =
      (context.values.url as string | undefined) ??
      (context.env.BERTH_URL || 'http://127.0.0.1:5002');
    const username =
      (context.values.username as string | undefined) ?? (await context.ask('Username: '));
    if (context.values['password-stdin'] === true && context.values.password !== undefined)
      throw new UsageError('--password and --password-stdin exclude each other');
    const password =
      context.values['password-stdin'] === true
        ? (await context.stdin()).replace(/\r?\n$/, '') // as `echo` or a file ends it
        : ((context.values.password as string | undefined) ??
          (await context.ask('Password: ', true)));
    const { body } = await new Client(url, undefined).request<{ token: string; expiresAt: string }>(
      'POST',
      '/auth/login',
      { username, password },
    );
    saveLogin(context.env, { url, username, token: body.token, expiresAt: body.expiresAt });
    context.print(
      context.json
        ? JSON.stringify({ url, username, expiresAt: body.expiresAt })
        : `Logged in to ${url} as ${username} (until ${body.expiresAt})`,
    );
  },
};

export const logout: Command = {
  name: 'logout',
  summary: "end this login's session (your other logins keep theirs) and forget its token",
  usage: 'berth logout',
  example: 'berth logout',
  async run(context) {
    try {
      await context.client().request('POST', '/auth/logout');
    } catch (error) {
      // A token that no longer works is as good as ended; anything else must be said.
      if (!(error instanceof HttpError && error.status === 401)) throw error;
    }
    forgetLogin(context.env);
    context.print('Logged out.');
  },
};

export const passwd: Command = {
  name: 'passwd',
  summary: 'change your own password (ends your sessions)',
  usage: 'berth passwd [--old PASSWORD] [--new PASSWORD]',
  example: 'berth passwd',
  options: { old: { type: 'string' }, new: { type: 'string' } },
  async run(context) {
    const oldPassword =
      (context.values.old as string | undefined) ?? (await context.ask('Current password: ', true));
    const newPassword =
      (context.values.new as string | undefined) ?? (await context.ask('New password: ', true));
    await context.client().request('POST', '/account/passwdchange', { oldPassword, newPassword });
    context.print('Password changed; log in again with `berth login`.');
  },
};

export const clusterinfo: Command = {
  name: 'clusterinfo',
  summary: 'total, reserved and used CPU and memory, engines, containers, images',
  usage: 'berth clusterinfo [--json]',
  example: 'berth clusterinfo',
  async run(context) {
    const { body } = await context
      .client()
      .request<Record<string, number | null>>('GET', '/api/cluster/info');
    if (context.json) return context.print(JSON.stringify(body));
    const { cpus = 0, reservedCpus = 0, memory = 0, reservedMemory = 0 } = body;
    context.print(
      [
        `Engines:     ${body.engineCount}`,
        `CPUs:        ${reservedCpus} of ${cpus} reserved, ${usedCpu(body.usedCpuPercent)} used`,
        `Memory (MB): ${reservedMemory} of ${memory} reserved, ${usedMb(body.usedMemory)} used`,
        `Containers:  ${body.containerCount}`,
        `Images:      ${body.imageCount}`,
      ].join('\n'),
    );
  },
};
