import { MiniboxError } from '../util/errors.js';
import type { Ownership } from './staging.js';

/**
 * COPY/ADD `--chown=user[:group]`: numbers as they are, names looked up in the image's own
 * /etc/passwd and /etc/group (never the host's), as Docker does. A user without a group gives
 * the group the same number as the user (Docker's documented rule).
 */
function lookup(file: string | undefined, name: string, idField: number): number | undefined {
  for (const line of (file ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[idField] !== undefined && /^\d+$/.test(f[idField] ?? '')) return Number(f[idField]);
  }
  return undefined;
}

export function resolveChown(spec: string, readEtc: (name: 'passwd' | 'group') => string | undefined): Ownership {
  const [user = '', group] = spec.split(':', 2);
  const fail = (what: string, n: string) =>
    new MiniboxError(`unable to convert uid/gid chown string to host mapping: can't find ${what} for ${what === 'uid' ? 'user' : 'group'} ${n}: no such ${what === 'uid' ? 'user' : 'group'}: ${n}`, 1);
  if (user === '') throw new MiniboxError(`invalid chown string: ${spec}`, 1);
  const uid = /^\d+$/.test(user) ? Number(user) : lookup(readEtc('passwd'), user, 2);
  if (uid === undefined) throw fail('uid', user);
  if (group === undefined || group === '') return { uid, gid: uid };
  const gid = /^\d+$/.test(group) ? Number(group) : lookup(readEtc('group'), group, 2);
  if (gid === undefined) throw fail('gid', group);
  return { uid, gid };
}
