import { DnsPlan, DNS_ZONE, Plan, SHOP_NAME } from '../topology/plan';
import { askStatus, urlOf } from './healthchecks';

/** What regionctl status shows of one geo-DNS server: the health it holds and what it answers per client region. */
export interface DnsReport {
  instance: string;
  address: string;
  cutOff?: boolean;
  dcs?: { dc: string; state?: string; reason?: string }[];
  answers?: { region: string; dcs: string[]; failOpen: boolean }[];
  error?: string;
}

/**
 * gslb-dns's configuration for the topology: the zone and the shop's name in it, each DC's entry
 * as its answer, its client subnets (those of regions/, and its own loopback block, so that a
 * client bound in a DC's block is that DC's), its countries (used with a GeoIP database: regionctl
 * up passes GEOIP_DATABASE from its environment), its WAN latencies and its aggregators.
 */
export function dnsConfig(plan: Plan, geoipDatabase?: string): Record<string, unknown> {
  return {
    zone: DNS_ZONE, hostname: SHOP_NAME, ttl: 5, answers: 1, ...(geoipDatabase ? { geoipDatabase } : {}),
    nameservers: plan.dns.servers.map((s) => ({ name: s.name, address: s.dns.host })),
    defaultOrder: plan.dcs.map((d) => d.region.code),
    dcs: plan.dcs.map((d) => ({
      code: d.region.code, name: d.region.name, addresses: [d.entry.host],
      subnets: [...d.region.geography.subnets, d.region.addressBlock], countries: d.region.geography.countries,
      latencyMs: d.region.wanLatencyMs, healthchecks: d.healthchecks.map(urlOf),
    })),
  };
}

export function dnsEnv(plan: Plan, s: DnsPlan, path: string): Record<string, string> {
  return {
    PATH: path, DNS_INSTANCE: s.instance, DNS_CONFIG: plan.dns.config, DNS_STATE_DIR: plan.dns.stateDir,
    DNS_HOST: s.dns.host, DNS_PORT: String(s.dns.port), HTTP_HOST: s.http.host, HTTP_PORT: String(s.http.port),
  };
}

/** `dig` commands that work against the topology: plain, and with each DC's first client subnet. */
export function digCommands(plan: Plan): string[] {
  const ns = plan.dns.servers[0]!;
  const base = `dig @${ns.dns.host} -p ${ns.dns.port} ${SHOP_NAME} +short`;
  return [base, ...plan.dcs.filter((d) => d.region.geography.subnets[0])
    .map((d) => `${base} +subnet=${d.region.geography.subnets[0]}   # a client of DC ${d.region.code}`)];
}

export async function askDns(s: DnsPlan, timeoutMs = 2000): Promise<DnsReport> {
  const r = await askStatus<Required<Omit<DnsReport, 'error' | 'instance' | 'address'>>>(urlOf(s.http), timeoutMs);
  const head = { instance: s.instance, address: `${s.dns.host}:${s.dns.port}` };
  if ('error' in r) return { ...head, error: r.error };
  const j = r.body;
  return { ...head, cutOff: j.cutOff, dcs: j.dcs.map((d) => ({ dc: d.dc, state: d.state, reason: d.reason })),
    answers: j.answers.map((a) => ({ region: a.region, dcs: a.dcs, failOpen: a.failOpen })) };
}
