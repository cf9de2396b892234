import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';

/** The colon-separated lines of /etc/passwd or /etc/group; none when the file is absent. */
function readDb(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * -u name|uid[:group|gid] as "uid:gid", resolved in /etc/passwd and /etc/group under the
 * container's root `root` (as Docker does: a numeric uid needs no entry, a name does).
 */
export function resolveUser(root: string, spec: string): string {
  const [user = '', group] = spec.split(':');
  const passwd = readDb(path.join(root, 'etc', 'passwd'));
  const entry = passwd.find((p) => p[0] === user) ?? (/^\d+$/.test(user) ? passwd.find((p) => p[2] === user) : undefined);
  let uid: string;
  if (/^\d+$/.test(user)) uid = user;
  else if (entry?.[2] !== undefined) uid = entry[2];
  else throw new MiniboxError(`unable to find user ${user}: no matching entries in passwd file`, 126);
  let gid = entry?.[3] ?? '0';
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = group;
    else {
      const g = readDb(path.join(root, 'etc', 'group')).find((e) => e[0] === group);
      if (!g?.[2]) throw new MiniboxError(`unable to find group ${group}: no matching entries in group file`, 126);
      gid = g[2];
    }
  }
  return `${uid}:${gid}`;
}
