import { isIP } from 'node:net';
import { MiniboxError } from '../util/errors.js';
import { goQuote } from '../util/go-quote.js';

/**
 * Flags whose text minibox writes into the container's /etc/hosts, /etc/hostname and
 * /etc/resolv.conf, checked before anything is created: a newline (or any other control
 * character) in one of them would add lines of the caller's choosing to those files — a
 * nameserver, a hosts entry for someone else's name. Errors as cobra words a bad flag
 * value (`invalid argument %q for "--flag" flag: …`), on one line, exit 125.
 */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;

export function hasControlCharacter(s: string): boolean {
  return CONTROL.test(s);
}

function badFlag(flag: string, value: string, why: string): MiniboxError {
  return new MiniboxError(`invalid argument ${goQuote(value)} for "${flag}" flag: ${why}`);
}

/** A name that goes into /etc/hosts or /etc/hostname: no control characters. */
export function checkHostName(flag: string, value: string): void {
  if (hasControlCharacter(value)) throw badFlag(flag, value, `invalid hostname format: ${goQuote(value)}`);
}

/** --dns: an IP address, as Docker's ValidateIPAddress (surrounding blanks trimmed); returns it. */
export function checkDnsServer(value: string): string {
  const ip = value.trim();
  if (isIP(ip) === 0 || hasControlCharacter(ip)) throw badFlag('--dns', value, `IP address is not correctly formatted: ${goQuote(value)}`);
  return ip;
}

/** The text flags of a run: --hostname, --network-alias, --dns (normalised, returned). */
export function checkNetworkText(flags: { hostname?: string; aliases?: string[]; dns?: string[] }): string[] {
  if (flags.hostname !== undefined) checkHostName('-h, --hostname', flags.hostname);
  for (const a of flags.aliases ?? []) checkHostName('--network-alias', a);
  return (flags.dns ?? []).map(checkDnsServer);
}
