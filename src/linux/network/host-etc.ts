import { readFileSync } from 'node:fs';

/**
 * The host's own /etc/hosts and resolver configuration, the inputs of a container's
 * generated files (network/etc-files.ts) and the files themselves in --network host.
 */
function readOrEmpty(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

export function hostHostsFile(): string {
  return readOrEmpty('/etc/hosts');
}

/** /etc/resolv.conf as it is (what --network host containers see). */
export function hostResolvFile(): string {
  return readOrEmpty('/etc/resolv.conf');
}

/** The host's resolvers; behind systemd-resolved's stub (127.0.0.53) the real upstream list. */
export function hostUpstreamResolvConf(): string {
  const main = hostResolvFile();
  if (/^\s*nameserver\s+127\.0\.0\.53\b/m.test(main)) return readOrEmpty('/run/systemd/resolve/resolv.conf') || main;
  return main;
}
