import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { DnsDc, ZoneConfig } from '../config/zone-config';
import { AnswerOrdering } from './answer-ordering';
import { addressText, ClientSubnet, EcsError, ipv4Of, parseClientSubnet } from './ecs';
import type { CountryMap } from './countries';
import { ipv4ToInt, SubnetMap } from './subnets';

/** What the DNS server holds of each DC's health. */
export interface HealthView {
  healthy(dc: string): boolean;
  /** changes whenever any DC's state changes: answers computed before can be kept until then */
  readonly version: number;
}

export type Outcome = 'answer' | 'nodata' | 'nxdomain' | 'refused' | 'formerr' | 'notimp' | 'badvers';

export interface Response {
  /** undefined: dropped (not a query, or too short to answer) */
  packet?: Buffer;
  outcome?: Outcome;
  /** the client's region: the DC whose subnets (or countries) hold it, or 'unknown' */
  region: string;
  firstDc?: string;
  failOpen?: boolean;
  truncated?: boolean;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const BADVERS = 16;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const OPCODE_QUERY = 0;
const UDP_LIMIT = 1232; // what we accept to send over UDP at most (the DNS flag day's figure)
const CLASS_IN = 'IN';
/** encoded answers kept at most (distinct queries: names, types, ECS blocks, client regions) */
const ANSWERS_KEPT = 10000;

/** A response encoded without its question, with the query's question bytes put in (dns-packet compresses no names: nothing to re-point). */
function withQuestion(packet: Buffer, question: Buffer): Buffer {
  const out = Buffer.concat([packet.subarray(0, 12), question, packet.subarray(12)]);
  out.writeUInt16BE(1, 4);
  return out;
}

/**
 * The question as the query holds it: its bytes are echoed as they came (a resolver checks their
 * case), and its name is matched only when every label is plain (a label holding a dot is no name of ours).
 */
function rawQuestion(buf: Buffer): { bytes: Buffer; name: string } | undefined {
  let o = 12;
  const labels: string[] = [];
  for (;;) {
    if (o >= buf.length) return undefined;
    const len = buf[o]!;
    if (len === 0) break;
    if (len > 63 || o + 1 + len > buf.length) return undefined; // a compression pointer has no place in the first name either
    labels.push(buf.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  const end = o + 1 + 4;
  if (end > buf.length) return undefined;
  const plain = labels.every((l) => !l.includes('.'));
  return { bytes: buf.subarray(12, end), name: plain ? labels.join('.').toLowerCase() : '' };
}

interface Choice {
  dcs: DnsDc[];
  failOpen: boolean;
}

/**
 * Turns one query into its answer. Authoritative for the zone only: the shop's name answers the
 * healthy DCs nearest the client (from its ECS option, else its address), the apex its SOA and NS,
 * the name servers their addresses; other names of the zone NXDOMAIN, other zones REFUSED.
 * Malformed queries answer FORMERR when their header can be read, and are dropped otherwise.
 */
export class Responder {
  private readonly dcs: Map<string, DnsDc>;
  private readonly subnets: SubnetMap;
  private readonly nsNames: Map<string, string>;
  private readonly soa: Answer;
  /** the choice per region, for the health version it was made with */
  private readonly choices = new Map<string, Choice>();
  private choicesVersion = -1;
  /** encoded answers by query, for the health version they were made with (a query's id is written into a copy) */
  private readonly answers = new Map<string, Response>();
  private answersVersion = -1;

  constructor(private readonly config: ZoneConfig, private readonly ordering: AnswerOrdering, private readonly health: HealthView,
    private readonly countries?: CountryMap) {
    this.dcs = new Map(config.dcs.map((d) => [d.code, d]));
    this.subnets = new SubnetMap(config.dcs.map((d) => ({ dc: d.code, subnets: d.subnets })));
    this.nsNames = new Map(config.nameservers.map((n) => [n.name, n.address]));
    this.soa = {
      type: 'SOA', name: config.zone, ttl: config.ttl,
      data: { mname: config.nameservers[0]!.name, rname: `hostmaster.${config.zone}`, serial: config.serial, refresh: 3600, retry: 600,
        expire: 604800, minimum: config.ttl },
    };
  }

  /** The DCs an answer names for a client of `region` now, and whether every DC failed (fail open). */
  choose(region: string | undefined): Choice {
    if (this.choicesVersion !== this.health.version) {
      this.choices.clear();
      this.choicesVersion = this.health.version;
    }
    const key = region ?? '';
    let c = this.choices.get(key);
    if (!c) {
      const order = this.ordering.order(region).map((code) => this.dcs.get(code)!).filter(Boolean);
      const healthy = order.filter((d) => this.health.healthy(d.code));
      // every DC failing: the nearest ones anyway, never an empty answer nor a random mix
      c = healthy.length ? { dcs: healthy.slice(0, this.config.answers), failOpen: false } : { dcs: order.slice(0, this.config.answers), failOpen: true };
      this.choices.set(key, c);
    }
    return c;
  }

  regionOf(address: number | undefined): string | undefined {
    return address === undefined ? undefined : this.placed(address)?.dc;
  }

  /** The DC a client address belongs to, and the prefix that placed it: the most specific subnet, else its country. */
  private placed(address: number): { dc: string; prefix: number } | undefined {
    return this.subnets.match(address) ?? this.countries?.match(address);
  }

  respond(query: Buffer, clientAddress: string, transport: 'udp' | 'tcp'): Response {
    if (query.length < 12) return { region: 'unknown' };
    // an answer depends only on the query's bytes after its id, the region of the source address, the transport and the health
    if (this.answersVersion !== this.health.version) {
      this.answers.clear();
      this.answersVersion = this.health.version;
    }
    const source = ipv4ToInt(clientAddress.startsWith('::ffff:') ? clientAddress.slice(7) : clientAddress);
    const key = `${transport}${source === undefined ? '' : this.placed(source)?.dc ?? ''}\0${query.toString('latin1', 2)}`;
    const known = this.answers.get(key);
    if (known) {
      const packet = Buffer.allocUnsafe(known.packet!.length);
      known.packet!.copy(packet);
      packet.writeUInt16BE(query.readUInt16BE(0), 0);
      return { ...known, packet };
    }
    const r = this.computed(query, clientAddress, transport);
    if (r.packet && r.outcome !== 'formerr') {
      if (this.answers.size >= ANSWERS_KEPT) this.answers.clear(); // a flood of distinct names: start over rather than grow
      this.answers.set(key, r);
    }
    return r;
  }

  private computed(query: Buffer, clientAddress: string, transport: 'udp' | 'tcp'): Response {
    try {
      return this.answer(query, clientAddress, transport);
    } catch {
      // whatever a hostile packet found that the checks above missed: FORMERR, never a crash
      return this.error(query.readUInt16BE(0), query.readUInt16BE(2) & FLAG_RD, 0, undefined, RCODE.FORMERR, 'formerr');
    }
  }

  private answer(query: Buffer, clientAddress: string, transport: 'udp' | 'tcp'): Response {
    const id = query.readUInt16BE(0);
    const flags = query.readUInt16BE(2);
    if (flags & 0x8000) return { region: 'unknown' }; // a response: never answer one (no loops between servers)
    const rd = flags & FLAG_RD;
    const opcode = (flags >> 11) & 0xf;
    let q: Packet;
    try {
      q = dnsPacket.decode(query);
    } catch {
      return this.error(id, rd, opcode, undefined, RCODE.FORMERR, 'formerr');
    }
    const questions = q.questions ?? [];
    const raw = questions.length === 1 ? rawQuestion(query) : undefined;
    if (opcode !== OPCODE_QUERY) return this.error(id, rd, opcode, raw?.bytes, RCODE.NOTIMP, 'notimp');
    if (questions.length !== 1 || !raw) return this.error(id, rd, opcode, undefined, RCODE.FORMERR, 'formerr');
    const question = questions[0]!;
    const echoed = raw.bytes;

    const opts = (q.additionals ?? []).filter((a) => a.type === 'OPT');
    if (opts.length > 1) return this.error(id, rd, opcode, echoed, RCODE.FORMERR, 'formerr');
    const opt = opts[0] as (dnsPacket.OptAnswer & { ednsVersion?: number }) | undefined;
    if (opt && opt.name !== '.' && opt.name !== '') return this.error(id, rd, opcode, echoed, RCODE.FORMERR, 'formerr');
    if (opt && (opt.ednsVersion ?? 0) > 0) return this.error(id, rd, opcode, echoed, BADVERS, 'badvers', { udpPayloadSize: UDP_LIMIT });
    let ecs: ClientSubnet | undefined;
    if (opt) {
      const ecsOptions = (opt.options ?? []).filter((o) => o.code === 8);
      try {
        if (ecsOptions.length > 1) throw new EcsError('two ECS options');
        if (ecsOptions[0]) ecs = parseClientSubnet((ecsOptions[0] as { data: Buffer }).data);
      } catch {
        return this.error(id, rd, opcode, echoed, RCODE.FORMERR, 'formerr', { udpPayloadSize: UDP_LIMIT });
      }
    }

    // the region: from ECS when given (a /0 says: do not use my address), else from the source address
    const address = ecs ? (ecs.sourcePrefix > 0 ? ipv4Of(ecs) : undefined) : ipv4ToInt(clientAddress.replace(/^::ffff:/, ''));
    const hit = address === undefined ? undefined : this.placed(address);
    const region = hit?.dc;
    const ecsOut = ecs && {
      code: 8, family: ecs.family, sourcePrefixLength: ecs.sourcePrefix, ip: addressText(ecs),
      // the answer holds for the whole block that placed the client; otherwise only for what was given
      scopePrefixLength: hit ? hit.prefix : ecs.sourcePrefix,
    };
    const edns = opt ? { udpPayloadSize: UDP_LIMIT, options: ecsOut ? [ecsOut] : [] } : undefined;
    const limit = transport === 'tcp' ? 65535 : opt ? Math.max(512, Math.min(opt.udpPayloadSize ?? 512, UDP_LIMIT)) : 512;

    const name = raw.name;
    const zone = this.config.zone;
    if ((question.class !== CLASS_IN && (question.class as string) !== 'ANY') || !(name === zone || name.endsWith(`.${zone}`))) {
      return { ...this.build(id, rd, echoed, RCODE.REFUSED, false, [], [], [], edns, limit), outcome: 'refused', region: region ?? 'unknown' };
    }

    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    let exists = false;
    let firstDc: string | undefined;
    let failOpen: boolean | undefined;
    const type = question.type as string;
    if (name === this.config.hostname) {
      exists = true;
      if (type === 'A' || type === 'AAAA' || type === 'ANY') {
        const c = this.choose(region);
        failOpen = c.failOpen;
        firstDc = c.dcs[0]?.code;
        for (const d of c.dcs) {
          if (type !== 'AAAA') for (const a of d.addresses) answers.push({ type: 'A', name, ttl: this.config.ttl, data: a });
          if (type === 'AAAA') for (const a of d.addresses6) answers.push({ type: 'AAAA', name, ttl: this.config.ttl, data: a });
        }
      }
    }
    if (name === zone) {
      exists = true;
      if (type === 'SOA' || (type === 'ANY' && answers.length === 0)) answers.push(this.soa);
      if (type === 'NS') {
        for (const ns of this.config.nameservers) answers.push({ type: 'NS', name, ttl: 3600, data: ns.name });
        for (const ns of this.config.nameservers) {
          if (ns.name.endsWith(`.${zone}`)) additionals.push({ type: 'A', name: ns.name, ttl: 3600, data: ns.address });
        }
      }
    }
    const ns = this.nsNames.get(name);
    if (ns !== undefined) {
      exists = true;
      if (type === 'A' || type === 'ANY') answers.push({ type: 'A', name, ttl: 3600, data: ns });
    }
    // a name with names below it exists (an empty non-terminal): no data, not NXDOMAIN
    if (!exists && [this.config.hostname, ...this.nsNames.keys()].some((n) => n.endsWith(`.${name}`))) exists = true;

    const rcode = exists ? RCODE.NOERROR : RCODE.NXDOMAIN;
    const authorities = answers.length === 0 ? [this.soa] : [];
    const outcome: Outcome = !exists ? 'nxdomain' : answers.length ? 'answer' : 'nodata';
    return { ...this.build(id, rd, echoed, rcode, true, answers, authorities, additionals, edns, limit), outcome, region: region ?? 'unknown', firstDc, failOpen };
  }

  private build(id: number, rd: number, question: Buffer, rcode: number, aa: boolean, answers: Answer[], authorities: Answer[], additionals: Answer[],
    edns: { udpPayloadSize: number; options: unknown[] } | undefined, limit: number): { packet: Buffer; truncated: boolean } {
    const opt = edns && ({ type: 'OPT', name: '.', udpPayloadSize: edns.udpPayloadSize, extendedRcode: rcode >> 4, ednsVersion: 0, flags: 0, options: edns.options } as unknown as Answer);
    const flags = (aa ? FLAG_AA : 0) | rd | (rcode & 0xf);
    const packet = withQuestion(dnsPacket.encode({ id, type: 'response', flags, answers, authorities, additionals: opt ? [...additionals, opt] : additionals }), question);
    if (packet.length <= limit) return { packet, truncated: false };
    // too big for UDP: the header and question with TC set, so the client asks again over TCP
    return { packet: withQuestion(dnsPacket.encode({ id, type: 'response', flags: flags | FLAG_TC, additionals: opt ? [opt] : [] }), question), truncated: true };
  }

  private error(id: number, rd: number, opcode: number, question: Buffer | undefined, rcode: number, outcome: Outcome,
    edns?: { udpPayloadSize: number }): Response {
    const opt = edns && ({ type: 'OPT', name: '.', udpPayloadSize: edns.udpPayloadSize, extendedRcode: rcode >> 4, ednsVersion: 0, flags: 0, options: [] } as unknown as Answer);
    const flags = (opcode << 11) | rd | (rcode & 0xf);
    const packet = dnsPacket.encode({ id, type: 'response', flags, additionals: opt ? [opt] : [] });
    return { packet: question ? withQuestion(packet, question) : packet, outcome, region: 'unknown' };
  }
}
