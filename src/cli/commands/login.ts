import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';

/**
 * `minibox login [-u USER] [-p PASS | --password-stdin] [SERVER]` and `minibox logout
 * [SERVER]`, with Docker's messages and rules: -p warns, --password-stdin needs -u,
 * without a terminal there is no prompting, and every failure exits 1.
 */
export function defineLogin(program: Command): void {
  program
    .command('login')
    .description('Log in to a registry')
    .argument('[server]')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin', false)
    .action(loginCommand);
}

export function defineLogout(program: Command): void {
  program.command('logout').description('Log out from a registry').argument('[server]').action(logoutCommand);
}

export interface LoginOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c as Uint8Array));
  // Docker trims the trailing newline(s) and spaces only
  return Buffer.concat(chunks).toString('utf8').replace(/[\r\n]+$/, '').trimEnd();
}

/** One line from the terminal; `hidden` does not echo it (passwords). */
async function prompt(question: string, hidden: boolean): Promise<string> {
  const { createInterface } = await import('node:readline');
  const { Writable } = await import('node:stream');
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = hidden;
    });
  } finally {
    muted = false;
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

export async function loginCommand(server: string | undefined, opts: LoginOptions): Promise<void> {
  if (opts.password !== undefined && opts.passwordStdin) throw new MiniboxError('--password and --password-stdin are mutually exclusive', 1);
  if (opts.passwordStdin && !opts.username) throw new MiniboxError('Must provide --username with --password-stdin', 1);
  const { login, normalizeServer, serverLabel, storedLogin } = await import('../../engine/login.js');
  let username = opts.username;
  let password = opts.password;
  if (password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (opts.passwordStdin) password = await readStdin();
  const host = normalizeServer(server);

  if (username === undefined && password === undefined) {
    const stored = await storedLogin(host);
    if (stored) {
      process.stdout.write('Authenticating with existing credentials...\n');
      ({ username, password } = stored);
    }
  }
  if (username === undefined || password === undefined) {
    if (!process.stdin.isTTY) throw new MiniboxError('Cannot perform an interactive login from a non TTY device', 1);
    if (username === undefined) {
      process.stdout.write(`Log in with your ${host === 'docker.io' ? 'Docker ID' : 'username and password'} for ${serverLabel(host)}.\n`);
      username = (await prompt('Username: ', false)).trim();
    }
    password ??= await prompt('Password: ', true);
  }
  const result = await login(host, { username, password });
  process.stderr.write(`WARNING! Your password will be stored unencrypted in ${result.configFile}.\n\n`);
  process.stdout.write('Login Succeeded\n');
}

export async function logoutCommand(server: string | undefined): Promise<void> {
  const { logout } = await import('../../engine/login.js');
  const result = await logout(server);
  process.stdout.write(result.removed ? `Removing login credentials for ${result.server}\n` : `Not logged in to ${result.server}\n`);
}
