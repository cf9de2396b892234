import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupOnExit, freePort, removeDirOnExit } from './lifecycle.js';
import { startTokenServer, type TokenServer } from './token-server.js';

/**
 * The real registry for the tests: Debian's docker-registry (distribution 2.8) on a free
 * loopback port, with its own temp storage and config, optionally behind our token server.
 * A missing binary is an error, never a skip: CI installs it and a silent skip would hide
 * the whole pull path from the suite.
 */
export const REGISTRY_BIN = process.env['REGISTRY_BIN'] ?? '/usr/bin/docker-registry';

export interface LabOptions {
  /** The registry binary; REGISTRY_BIN by default (a test points it elsewhere to check the error). */
  bin?: string;
  auth?: { users: Record<string, string>; tokenExpiresIn?: number };
}

export interface LabRegistry {
  host: string; // 127.0.0.1:<port>
  dir: string;
  token?: TokenServer;
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * A tiny supervisor between the test process and the registry. A vitest worker can end
 * without running 'exit' handlers (killed by the pool), so cleanup must not depend on it:
 * the shell gets SIGTERM when its parent dies (pdeathsig), stops the registry and deletes
 * the temp dir; the registry gets SIGKILL should the shell itself die.
 */
const SUPERVISOR = [
  'setpriv --pdeathsig KILL -- "$1" serve "$2" &',
  'pid=$!',
  'trap \'kill -TERM "$pid" 2>/dev/null; wait "$pid"; rm -rf "$3"; exit 0\' TERM INT HUP',
  'wait "$pid"',
  'rc=$?',
  'exit "$rc"',
].join('\n');

function configYaml(dir: string, port: number, token?: TokenServer): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (token) {
    lines.push('auth:', '  token:', `    realm: ${token.realm}`, `    service: ${token.service}`);
    lines.push(`    issuer: ${token.issuer}`, `    rootcertbundle: ${token.certFile}`);
  }
  return lines.join('\n') + '\n';
}

async function waitReady(host: string, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    }
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer GET /v2/ within ${timeoutMs} ms:\n${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function launch(bin: string, dir: string, token?: TokenServer): Promise<{ child: ChildProcess; host: string; unhook: () => void }> {
  let lastError: unknown;
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = path.join(dir, 'config.yml');
    writeFileSync(config, configYaml(dir, port, token));
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', '/bin/sh', '-c', SUPERVISOR, 'lab-registry', bin, config, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const unhook = cleanupOnExit(() => child.kill('SIGTERM'));
    let log = '';
    const keep = (d: Buffer): void => void (log = (log + d.toString()).slice(-8_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitReady(host, child, () => log);
      return { child, host, unhook };
    } catch (err) {
      lastError = err; // most likely the port was taken between freePort() and bind
      await stopChild(child);
      unhook();
    }
  }
  throw lastError;
}

export async function startRegistry(opts: LabOptions = {}): Promise<LabRegistry> {
  const bin = opts.bin ?? REGISTRY_BIN;
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: the registry tests need Debian's docker-registry (apt-get install -y docker-registry)`);
  }
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-registry-'));
  const unhookDir = removeDirOnExit(dir);
  let token: TokenServer | undefined;
  try {
    if (opts.auth) {
      const repos = path.join(dir, 'data', 'docker', 'registry', 'v2', 'repositories');
      const repoExists = (name: string): boolean => existsSync(path.join(repos, ...name.split('/'), '_manifests'));
      token = await startTokenServer(dir, { users: opts.auth.users, repoExists, expiresIn: opts.auth.tokenExpiresIn });
    }
    const { child, host, unhook } = await launch(bin, dir, token);
    const stop = async (): Promise<void> => {
      await stopChild(child);
      unhook();
      await token?.close();
      rmSync(dir, { recursive: true, force: true });
      unhookDir();
    };
    return { host, dir, token, startupMs: Date.now() - started, stop };
  } catch (err) {
    await token?.close();
    rmSync(dir, { recursive: true, force: true });
    unhookDir();
    throw err;
  }
}
