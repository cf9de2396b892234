import { execFile } from 'node:child_process';
import { randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { listenLoopback } from './lifecycle.js';

/**
 * A token server in auth.docker.io's format for the lab registry: RS256 JWTs with the
 * signing certificate in `x5c`, which docker-registry checks against its rootcertbundle.
 * Anonymous callers get pull on every repository that exists (like Hub, where a token for
 * a missing repository grants nothing, so the registry answers UNAUTHORIZED rather than
 * revealing whether it exists); listed users get pull and push; a wrong password gets 401.
 */
export interface TokenRequestRecord {
  user?: string;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  requests: TokenRequestRecord[];
  close(): Promise<void>;
}

const run = promisify(execFile);
export const SERVICE = 'lab-registry';
export const ISSUER = 'lab-token-issuer';

async function makeKeyPair(dir: string): Promise<{ keyPem: string; certFile: string; certDer: string }> {
  const keyFile = path.join(dir, 'token-key.pem');
  const certFile = path.join(dir, 'token-cert.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=minibox-test-token'];
  await run('openssl', [...args, '-keyout', keyFile, '-out', certFile]);
  const certPem = readFileSync(certFile, 'utf8');
  // the PEM body is the base64 of the DER certificate, which is exactly what x5c holds
  const certDer = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return { keyPem: readFileSync(keyFile, 'utf8'), certFile, certDer };
}

function b64url(v: object): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:test/app:pull,push` → the access entry, with only the actions allowed. */
function grant(scope: string, allowed: (name: string) => string[]): Access | undefined {
  const parts = scope.split(':');
  if (parts.length < 3) return undefined;
  const type = parts[0] ?? '';
  const name = parts.slice(1, -1).join(':');
  const actions = (parts[parts.length - 1] ?? '').split(',').filter((a) => allowed(name).includes(a));
  return { type, name, actions };
}

function checkBasic(header: string | undefined, users: Record<string, string>): { user?: string; ok: boolean } {
  if (!header) return { ok: true };
  const m = /^Basic (.+)$/i.exec(header);
  if (!m?.[1]) return { ok: false };
  const plain = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  const user = plain.slice(0, colon);
  const want = users[user];
  const got = Buffer.from(plain.slice(colon + 1));
  const ok = colon > 0 && want !== undefined && got.length === Buffer.byteLength(want) && timingSafeEqual(got, Buffer.from(want));
  return { user, ok };
}

export interface TokenServerOptions {
  users: Record<string, string>;
  repoExists: (name: string) => boolean;
  expiresIn?: number;
}

export async function startTokenServer(dir: string, opts: TokenServerOptions): Promise<TokenServer> {
  const { users, repoExists, expiresIn = 300 } = opts;
  const { keyPem, certFile, certDer } = await makeKeyPair(dir);
  const requests: TokenRequestRecord[] = [];
  const srv = await listenLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
    const who = checkBasic(req.headers.authorization, users);
    if (url.pathname !== '/token' || !who.ok) {
      requests.push({ user: who.user, scopes, status: 401 });
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const allowed = (name: string): string[] => (who.user ? ['pull', 'push'] : repoExists(name) ? ['pull'] : []);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ISSUER,
      sub: who.user ?? '',
      aud: url.searchParams.get('service') ?? SERVICE,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: scopes.map((s) => grant(s, allowed)).filter((a): a is Access => a !== undefined),
    };
    const unsigned = `${b64url({ typ: 'JWT', alg: 'RS256', x5c: [certDer] })}.${b64url(claims)}`;
    const token = `${unsigned}.${sign('sha256', Buffer.from(unsigned), keyPem).toString('base64url')}`;
    requests.push({ user: who.user, scopes, status: 200 });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() }));
  });
  return { realm: `http://${srv.host}/token`, service: SERVICE, issuer: ISSUER, certFile, requests, close: srv.close };
}
