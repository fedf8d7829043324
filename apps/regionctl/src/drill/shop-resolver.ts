import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { Endpoint } from '../wan/wan-link';

export interface Resolved {
  address: string;
  /** the TTL the answer came with, s */
  ttl: number;
  /** served from the cache (no query was sent) */
  cached: boolean;
}

export class DnsFailure extends Error {}

/**
 * The shop's name as a shopper's resolver gets it: asked of the geo-DNS servers in turn (the next when
 * one does not answer within `timeoutMs`), with the shopper's region as its EDNS Client Subnet, and
 * the answer kept for its TTL, as a caching resolver keeps it: a shopper follows a DNS change only
 * once its cached answer expires.
 */
export class ShopResolver {
  private cache?: { address: string; ttl: number; until: number };

  constructor(private readonly o: { name: string; servers: Endpoint[]; clientSubnet: { ip: string; prefix: number }; timeoutMs?: number;
    now?: () => number }) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  async resolve(): Promise<Resolved> {
    const c = this.cache;
    if (c && c.until > this.now()) return { address: c.address, ttl: c.ttl, cached: true };
    const errors: string[] = [];
    for (const server of this.o.servers) {
      try {
        const { address, ttl } = await this.ask(server);
        this.cache = { address, ttl, until: this.now() + ttl * 1000 };
        return { address, ttl, cached: false };
      } catch (err) {
        errors.push(`${server.host}:${server.port} ${(err as Error).message}`);
      }
    }
    throw new DnsFailure(`no answer for ${this.o.name}: ${errors.join('; ')}`);
  }

  /** Forget the cached answer (a resolver restarted). */
  flush(): void {
    this.cache = undefined;
  }

  private ask(server: Endpoint): Promise<{ address: string; ttl: number }> {
    const id = randomInt(0, 65536);
    const query = dnsPacket.encode({
      type: 'query', id, flags: 0, questions: [{ type: 'A', name: this.o.name, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0,
        options: [{ code: 8, family: 1, sourcePrefixLength: this.o.clientSubnet.prefix, scopePrefixLength: 0, ip: this.o.clientSubnet.ip }],
      } as dnsPacket.Answer],
    });
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      const done = (err: Error | undefined, v?: { address: string; ttl: number }) => {
        clearTimeout(timer);
        socket.close();
        if (err) reject(err);
        else resolve(v!);
      };
      const timer = setTimeout(() => done(new Error('timed out')), this.o.timeoutMs ?? 1000);
      socket.on('error', (err) => done(err));
      socket.on('message', (msg) => {
        let answer: dnsPacket.Packet;
        try {
          answer = dnsPacket.decode(msg);
        } catch {
          return; // not a DNS answer: keep waiting for ours
        }
        if (answer.id !== id) return;
        const a = (answer.answers ?? []).find((x): x is dnsPacket.StringAnswer => x.type === 'A');
        if (!a) return done(new Error(`answered ${(answer as { rcode?: string }).rcode ?? 'no address'}`));
        done(undefined, { address: a.data, ttl: a.ttl ?? 0 });
      });
      socket.send(query, server.port, server.host);
    });
  }
}

/** A client subnet for ECS from a region's block: `10.1.0.0/16` → the first /24 in it (what resolvers send). */
export function clientSubnetOf(cidr: string): { ip: string; prefix: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`${cidr} is not an IPv4 block`);
  const prefix = Math.min(24, Number(m[5]));
  return { ip: `${m[1]}.${m[2]}.${m[3]}.0`, prefix };
}
