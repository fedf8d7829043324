/** IPv4 blocks as numbers: which DC's client subnets hold an address (the most specific block wins). */
export interface Block {
  base: number;
  prefix: number;
}

export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

export function parseCidr(cidr: string): Block {
  const [ip, len] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const prefix = Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR block: ${cidr}`);
  return { base: (base & maskOf(prefix)) >>> 0, prefix };
}

export const contains = (b: Block, address: number) => ((address & maskOf(b.prefix)) >>> 0) === b.base;

/** Every DC's blocks, most specific first: `match` gives the DC of an address and the block's prefix. */
export class SubnetMap {
  private readonly blocks: { block: Block; dc: string }[];

  constructor(byDc: { dc: string; subnets: string[] }[]) {
    this.blocks = byDc.flatMap((d) => d.subnets.map((s) => ({ block: parseCidr(s), dc: d.dc })))
      .sort((x, y) => y.block.prefix - x.block.prefix);
  }

  match(address: number): { dc: string; prefix: number } | undefined {
    const hit = this.blocks.find((b) => contains(b.block, address));
    return hit && { dc: hit.dc, prefix: hit.block.prefix };
  }
}
