import { readFileSync, writeFileSync } from 'node:fs';

/**
 * IPv4 forwarding, needed for the containers' outbound traffic, turned on as Docker does;
 * the value found before is kept in a memo file (under the network state dir) so the last
 * network's teardown can put back a 0 that minibox changed — and only that.
 */
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export function enableForwarding(memo: string): void {
  const now = readFileSync(IP_FORWARD, 'utf8').trim();
  if (now === '1') return;
  if (memo) writeFileSync(memo, now);
  writeFileSync(IP_FORWARD, '1');
}

/**
 * Is forwarding minibox's doing: off now (minibox is about to turn it on), or turned on by
 * minibox before (the memo says it was 0)? Then nothing but minibox's traffic may be
 * forwarded (the open-router guard, firewall-rules.ts).
 */
export function forwardingIsMinibox(memo: string): boolean {
  if (readFileSync(IP_FORWARD, 'utf8').trim() !== '1') return true;
  try {
    return memo !== '' && readFileSync(memo, 'utf8').trim() === '0';
  } catch {
    return false;
  }
}

export function restoreForwarding(memo: string): void {
  if (!memo) return;
  try {
    const before = readFileSync(memo, 'utf8').trim();
    if (before !== '0') return;
    writeFileSync(IP_FORWARD, before);
    writeFileSync(memo, '');
  } catch {
    // minibox did not change it
  }
}
