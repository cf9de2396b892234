import { MiniboxError } from '../../util/errors.js';
import { CommandError, runCommand } from '../../util/command.js';
import { enableForwarding, restoreForwarding } from './ip-forward.js';

/**
 * minibox's firewall rules, through the iptables commands as Docker does, in chains of
 * its own so they are easy to see (`iptables-save | grep -i minibox`) and remove:
 *
 *   nat    PREROUTING/OUTPUT  -m addrtype --dst-type LOCAL -j MINIBOX   (published ports: DNAT)
 *   nat    POSTROUTING        -j MINIBOX-POSTROUTING                    (masquerade out; and
 *          sources local to the host, 127.0.0.1 included, towards a bridge: the replies of a
 *          DNATed 127.0.0.1 connection must come back through the host)
 *   filter FORWARD            -j MINIBOX-FORWARD                        (accept to/from bridges)
 *
 * Rules are written exactly as iptables-save prints them, so "is it there?" is a string
 * compare. Each change is one iptables-restore --noflush batch (all or nothing). Callers hold
 * the store's network lock. `forwardMemo` is the file keeping the host's ip_forward from
 * before minibox (see ip-forward.ts).
 */
export const NAT_CHAIN = 'MINIBOX';
const POST_CHAIN = 'MINIBOX-POSTROUTING';
const FWD_CHAIN = 'MINIBOX-FORWARD';

const JUMPS = {
  nat: [
    `-A PREROUTING -m addrtype --dst-type LOCAL -j ${NAT_CHAIN}`,
    `-A OUTPUT -m addrtype --dst-type LOCAL -j ${NAT_CHAIN}`,
    `-A POSTROUTING -j ${POST_CHAIN}`,
  ],
  filter: [`-A FORWARD -j ${FWD_CHAIN}`],
};

function networkRules(bridge: string, subnet: string): { nat: string[]; filter: string[] } {
  return {
    nat: [
      `-A ${POST_CHAIN} -s ${subnet} ! -o ${bridge} -j MASQUERADE`,
      `-A ${POST_CHAIN} -o ${bridge} -m addrtype --src-type LOCAL -j MASQUERADE`,
    ],
    filter: [`-A ${FWD_CHAIN} -o ${bridge} -j ACCEPT`, `-A ${FWD_CHAIN} -i ${bridge} -j ACCEPT`],
  };
}

/** A published port as the DNAT rule needs it (network/port-specs.ts's PortBinding). */
export interface DnatPort {
  hostIp: string; // '0.0.0.0' = every local address
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

export function portRule(b: DnatPort, ip: string, tag: string): string {
  const dest = b.hostIp && b.hostIp !== '0.0.0.0' ? `-d ${b.hostIp}/32 ` : '';
  return `-A ${NAT_CHAIN} ${dest}-p ${b.proto} -m ${b.proto} --dport ${b.hostPort} -m comment --comment ${tag} -j DNAT --to-destination ${ip}:${b.containerPort}`;
}

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
export async function saveRules(): Promise<Map<string, string[]>> {
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
}

const hasChain = (lines: string[], chain: string) => lines.some((l) => l.startsWith(`:${chain} `));

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

/** Chains, jumps and the bridge's own rules, each added only when missing. */
export async function setupNetworkFirewall(bridge: string, subnet: string, forwardMemo: string): Promise<void> {
  const rules = networkRules(bridge, subnet);
  const fresh = {
    nat: [`-N ${NAT_CHAIN}`, `-N ${POST_CHAIN}`, ...JUMPS.nat, ...rules.nat],
    filter: [`-N ${FWD_CHAIN}`, ...JUMPS.filter, ...rules.filter],
  };
  if (await tryRestore(fresh)) {
    enableForwarding(forwardMemo);
    return;
  }
  const saved = await saveRules();
  const nat = saved.get('nat') ?? [];
  const filter = saved.get('filter') ?? [];
  const batch = { nat: [] as string[], filter: [] as string[] };
  for (const c of [NAT_CHAIN, POST_CHAIN]) if (!hasChain(nat, c)) batch.nat.push(`-N ${c}`);
  if (!hasChain(filter, FWD_CHAIN)) batch.filter.push(`-N ${FWD_CHAIN}`);
  batch.nat.push(...[...JUMPS.nat, ...rules.nat].filter((r) => !nat.includes(r)));
  batch.filter.push(...[...JUMPS.filter, ...rules.filter].filter((r) => !filter.includes(r)));
  await restore(batch);
  enableForwarding(forwardMemo);
}

const deletion = (line: string) => `-D ${line.slice(3)}`;

/** Remove these bridges' rules; with lastNetwork also the jumps and the chains themselves. */
export async function teardownNetworkFirewall(bridges: string[], lastNetwork: boolean, forwardMemo: string): Promise<void> {
  // the last network: the jumps we added and our chains (with whatever is in them) go
  const everything = {
    nat: [...JUMPS.nat.map(deletion), ...[NAT_CHAIN, POST_CHAIN].flatMap((c) => [`-F ${c}`, `-X ${c}`])],
    filter: [...JUMPS.filter.map(deletion), `-F ${FWD_CHAIN}`, `-X ${FWD_CHAIN}`],
  };
  if (lastNetwork && (await tryRestore(everything))) {
    restoreForwarding(forwardMemo);
    return;
  }
  const saved = await saveRules();
  const batch: Record<string, string[]> = {};
  const ours = [NAT_CHAIN, POST_CHAIN, FWD_CHAIN];
  const onBridge = (l: string) => bridges.some((b) => new RegExp(`-[io] ${b}( |$)`).test(l));
  for (const [table, lines] of saved) {
    const rules = lines.filter((l) => l.startsWith('-A '));
    const inOurs = (l: string) => ours.some((c) => l.startsWith(`-A ${c} `));
    batch[table] = rules.filter((l) => inOurs(l) && onBridge(l)).map(deletion);
    if (!lastNetwork) continue;
    const jumps = rules.filter((l) => !inOurs(l) && ours.some((c) => l.endsWith(`-j ${c}`)));
    batch[table] = [...jumps.map(deletion), ...ours.filter((c) => hasChain(lines, c)).flatMap((c) => [`-F ${c}`, `-X ${c}`])];
  }
  await restore(batch);
  if (lastNetwork) restoreForwarding(forwardMemo);
}

/** DNAT rules for a container's published ports, tagged so removePortRules finds them. */
export async function addPortRules(ports: DnatPort[], ip: string, tag: string): Promise<void> {
  await restore({ nat: ports.map((b) => portRule(b, ip, tag)) });
}

/** Delete the DNAT rules carrying this tag (a container's), whatever else changed meanwhile. */
export async function removePortRules(tag: string): Promise<void> {
  const nat = (await saveRules()).get('nat') ?? [];
  await restore({ nat: nat.filter((l) => l.startsWith(`-A ${NAT_CHAIN} `) && l.includes(`--comment ${tag} `)).map(deletion) });
}
