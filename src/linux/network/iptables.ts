import { MiniboxError } from '../../util/errors.js';
import { CommandError, runCommand } from '../../util/command.js';
import { trace, traceStep } from '../../util/trace-events.js';
import { enableForwarding, forwardingIsMinibox, restoreForwarding } from './ip-forward.js';
import { freshSetup, freshTeardown, setupFromSaved, teardownFromSaved, type SavedRules } from './firewall-batches.js';
import { deletion, NAT_CHAIN, portRule, type DnatPort } from './firewall-rules.js';

export { portRule, type DnatPort };

/**
 * minibox's firewall, through the iptables commands as Docker does, in chains of its own so
 * they are easy to see (`iptables-save | grep -i minibox`) and remove; which rules and why:
 * firewall-rules.ts, the batches: firewall-batches.ts. Each change is one
 * iptables-restore --noflush batch (all or nothing). Callers hold the store's network lock.
 * `forwardMemo` is the file keeping the host's ip_forward from before minibox (ip-forward.ts).
 */

async function run(cmd: string, args: string[], input?: string): Promise<string> {
  try {
    return await runCommand(cmd, args, input);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.notFound) throw new MiniboxError(`${cmd} not found: bridge networking needs iptables (apt-get install iptables)`);
    throw new MiniboxError(`${cmd} failed: ${(err.stderr || err.message).split('\n')[0]}`);
  }
}

/** The current ruleset, per table, as iptables-save prints it. */
export async function saveRules(): Promise<SavedRules> {
  const tables = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of (await run('iptables-save', [])).split('\n')) {
    if (line.startsWith('*')) tables.set(line.slice(1), (current = []));
    else if (line.startsWith(':') || line.startsWith('-A ')) current.push(line);
  }
  return tables;
}

/** Apply per-table command lines (-N/-A/-D/-F/-X) in one all-or-nothing batch. */
async function restore(batch: Record<string, string[]>): Promise<void> {
  let text = '';
  for (const [table, lines] of Object.entries(batch)) if (lines.length > 0) text += `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
  if (text !== '') await run('iptables-restore', ['-w', '--noflush'], text);
  if (trace.on && text !== '') {
    for (const [table, lines] of Object.entries(batch)) {
      if (lines.length > 0) traceStep({ step: 'iptables-restore --noflush', target: `-t ${table}`, value: `(${lines.length} rule change${lines.length === 1 ? '' : 's'})`, concept: 'firewall' });
    }
  }
}

/**
 * A batch that is right when the ruleset is as minibox expects it (say, no chains of ours
 * yet). iptables-restore applies all of it or nothing, so a refusal leaves the rules as
 * they were and the caller falls back to reading them first. Saves the iptables-save spawn
 * (~15 ms) on the common path of a lone `run`.
 */
async function tryRestore(batch: Record<string, string[]>): Promise<boolean> {
  try {
    await restore(batch);
    return true;
  } catch (err) {
    if (err instanceof MiniboxError && / not found: /.test(err.message)) throw err;
    return false;
  }
}

/**
 * Chains, jumps and the bridge's own rules, each added only when missing; ip_forward on.
 * The open-router guard goes in when the chains are made and minibox is (or will be) the
 * one that turned forwarding on.
 */
export async function setupNetworkFirewall(bridge: string, subnet: string, forwardMemo: string): Promise<void> {
  const guard = forwardingIsMinibox(forwardMemo);
  if (!(await tryRestore(freshSetup(bridge, subnet, guard)))) await restore(setupFromSaved(await saveRules(), bridge, subnet, guard));
  enableForwarding(forwardMemo);
}

/** Remove these bridges' rules; with lastNetwork also the jumps and the chains themselves. */
export async function teardownNetworkFirewall(bridges: string[], lastNetwork: boolean, forwardMemo: string): Promise<void> {
  if (!(lastNetwork && (await tryRestore(freshTeardown())))) await restore(teardownFromSaved(await saveRules(), bridges, lastNetwork));
  if (lastNetwork) restoreForwarding(forwardMemo);
}

/** DNAT rules for a container's published ports, tagged so removePortRules finds them. */
export async function addPortRules(ports: DnatPort[], ip: string, tag: string): Promise<void> {
  await restore({ nat: ports.map((b) => portRule(b, ip, tag)) });
  if (trace.on) {
    for (const b of ports) {
      traceStep({ step: 'iptables -t nat DNAT', target: `${b.hostIp || '0.0.0.0'}:${b.hostPort}/${b.proto}`, result: `${ip}:${b.containerPort}`, concept: 'dnat' });
    }
  }
}

/** Delete the DNAT rules carrying this tag (a container's), whatever else changed meanwhile. */
export async function removePortRules(tag: string): Promise<void> {
  const nat = (await saveRules()).get('nat') ?? [];
  await restore({ nat: nat.filter((l) => l.startsWith(`-A ${NAT_CHAIN} `) && l.includes(`--comment ${tag} `)).map(deletion) });
}
