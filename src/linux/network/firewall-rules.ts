/**
 * The text of minibox's iptables rules (pure; iptables.ts applies them). Every line is
 * written exactly as iptables-save prints it, so "is it there?" is a string compare.
 *
 *   nat    PREROUTING/OUTPUT --dst-type LOCAL -j MINIBOX    published ports: DNAT
 *   nat    POSTROUTING -j MINIBOX-POSTROUTING                masquerade out; and sources local to
 *          the host (127.0.0.1 included) towards a bridge, so replies of a DNATed 127.0.0.1
 *          connection come back through the host
 *   filter INPUT   (first) -j MINIBOX-INPUT                  route_localnet guard (below)
 *   filter FORWARD (first) -j MINIBOX-FORWARD, which holds three fixed rules:
 *            -j MINIBOX-ISOLATION-STAGE-1   networks isolated from each other (Docker's
 *                                           DOCKER-ISOLATION-STAGE-1/2): from bridge A to any
 *                                           other minibox bridge, DROP — unless the connection
 *                                           was DNATed (a published port is reachable from
 *                                           every network, as through Docker's proxy)
 *            -j MINIBOX-BRIDGES             per bridge: into it only RELATED/ESTABLISHED or
 *                                           DNAT (published); out of it ACCEPT; the rest into
 *                                           it DROP (unpublished ports stay unreachable from
 *                                           the host's other interfaces, direct routing too)
 *            -j DROP                        only when minibox turned ip_forward on itself
 *
 * Why a DROP in our chain and not Docker's `FORWARD` policy DROP: with ip_forward at 0 the
 * host forwarded nothing, so dropping whatever forwarded traffic is not a minibox bridge's
 * (everything that reaches the end of MINIBOX-FORWARD: MINIBOX-BRIDGES decides all of a
 * bridge's traffic) keeps the host exactly as closed as it was. The rule lives and dies with
 * our chains (the leak check sees it; a crash cannot leave a changed policy behind), and a host
 * that already forwarded (a router, another runtime) keeps its own policy untouched.
 *
 * The route_localnet guard: the shim sets route_localnet on each bridge so DNAT to
 * 127.0.0.1-published ports works; without a guard a container could send to 127.0.0.1 with
 * the bridge as next hop and reach a host service bound to loopback only (CVE-2020-8558).
 * As kube-proxy's fix: packets to 127/8 from a bridge that are not from 127/8 and not part of
 * a DNATed or established connection are dropped.
 */
export const NAT_CHAIN = 'MINIBOX';
export const POST_CHAIN = 'MINIBOX-POSTROUTING';
export const FWD_CHAIN = 'MINIBOX-FORWARD';
export const INPUT_CHAIN = 'MINIBOX-INPUT';
export const ISOLATION_1 = 'MINIBOX-ISOLATION-STAGE-1';
export const ISOLATION_2 = 'MINIBOX-ISOLATION-STAGE-2';
export const BRIDGES_CHAIN = 'MINIBOX-BRIDGES';

export type Table = 'nat' | 'filter';

/** Our chains per table, in creation order. */
export const CHAINS: Record<Table, string[]> = {
  nat: [NAT_CHAIN, POST_CHAIN],
  filter: [INPUT_CHAIN, FWD_CHAIN, ISOLATION_1, ISOLATION_2, BRIDGES_CHAIN],
};

/** The jumps from the built-in chains, as iptables-save shows them. */
export const JUMPS: Record<Table, string[]> = {
  nat: [
    `-A PREROUTING -m addrtype --dst-type LOCAL -j ${NAT_CHAIN}`,
    `-A OUTPUT -m addrtype --dst-type LOCAL -j ${NAT_CHAIN}`,
    `-A POSTROUTING -j ${POST_CHAIN}`,
  ],
  filter: [`-A INPUT -j ${INPUT_CHAIN}`, `-A FORWARD -j ${FWD_CHAIN}`],
};

/**
 * How a jump is added: the filter ones go first in their built-in chain, so a host rule
 * that accepts early (say, ESTABLISHED or a whole subnet) cannot bypass the guards.
 */
export function addJump(saved: string): string {
  const m = /^-A (INPUT|FORWARD) (.*)$/.exec(saved);
  return m ? `-I ${m[1]} 1 ${m[2]}` : saved;
}

/** Rules a chain gets when it is created (the order matters; nothing goes before them). */
export function fixedRules(routerGuard: boolean): Record<Table, string[]> {
  return {
    nat: [],
    filter: [
      `-A ${FWD_CHAIN} -j ${ISOLATION_1}`,
      `-A ${FWD_CHAIN} -j ${BRIDGES_CHAIN}`,
      ...(routerGuard ? [`-A ${FWD_CHAIN} -j DROP`] : []),
      `-A ${ISOLATION_1} -m conntrack --ctstate DNAT -j RETURN`,
    ],
  };
}

/** The fixed rules that belong to one chain (added with the chain when it is missing). */
export function fixedRulesOf(chain: string, routerGuard: boolean): string[] {
  return fixedRules(routerGuard).filter.filter((l) => l.startsWith(`-A ${chain} `));
}

/** One bridge's rules. Every one names the bridge with -i or -o (teardown finds them so). */
export function bridgeRules(bridge: string, subnet: string): Record<Table, string[]> {
  return {
    nat: [
      `-A ${POST_CHAIN} -s ${subnet} ! -o ${bridge} -j MASQUERADE`,
      `-A ${POST_CHAIN} -o ${bridge} -m addrtype --src-type LOCAL -j MASQUERADE`,
    ],
    filter: [
      `-A ${INPUT_CHAIN} ! -s 127.0.0.0/8 -d 127.0.0.0/8 -i ${bridge} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
      `-A ${ISOLATION_1} -i ${bridge} ! -o ${bridge} -j ${ISOLATION_2}`,
      `-A ${ISOLATION_2} -o ${bridge} -j DROP`,
      `-A ${BRIDGES_CHAIN} -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT`,
      `-A ${BRIDGES_CHAIN} -i ${bridge} -j ACCEPT`,
      `-A ${BRIDGES_CHAIN} -o ${bridge} -j DROP`,
    ],
  };
}

/** Does this saved rule line name one of these bridges as its in or out interface? */
export function namesBridge(line: string, bridges: string[]): boolean {
  return bridges.some((b) => line.includes(` -i ${b} `) || line.includes(` -o ${b} `) || line.endsWith(` -i ${b}`) || line.endsWith(` -o ${b}`));
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

export const deletion = (line: string): string => `-D ${line.slice(3)}`;
