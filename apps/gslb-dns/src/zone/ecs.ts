/**
 * The EDNS Client Subnet option (RFC 7871, option 8) of a query, read from its bytes and checked:
 * family 1 (IPv4) or 2 (IPv6), a source prefix the family allows, exactly as many address bytes
 * as the prefix needs, and every bit past the prefix zero. Anything else is a FORMERR.
 */
export interface ClientSubnet {
  family: 1 | 2;
  sourcePrefix: number;
  /** the address as given, padded to 4 or 16 bytes */
  address: Buffer;
}

export class EcsError extends Error {}

export function parseClientSubnet(data: Buffer): ClientSubnet {
  if (data.length < 4) throw new EcsError('ECS option shorter than 4 bytes');
  const family = data.readUInt16BE(0);
  const sourcePrefix = data[2]!;
  if (family !== 1 && family !== 2) throw new EcsError(`ECS family ${family} is neither 1 (IPv4) nor 2 (IPv6)`);
  const size = family === 1 ? 4 : 16;
  if (sourcePrefix > size * 8) throw new EcsError(`ECS source prefix /${sourcePrefix} is longer than the family allows`);
  const given = data.subarray(4);
  if (given.length !== Math.ceil(sourcePrefix / 8)) throw new EcsError(`ECS address has ${given.length} bytes for a /${sourcePrefix}`);
  const spare = given.length * 8 - sourcePrefix;
  if (spare > 0 && (given[given.length - 1]! & ((1 << spare) - 1)) !== 0) throw new EcsError('ECS address has bits set past its prefix');
  const address = Buffer.alloc(size);
  given.copy(address);
  return { family, sourcePrefix, address };
}

/** The address as text, for dns-packet's encoder (which writes only the prefix's bytes of it). */
export function addressText(s: ClientSubnet): string {
  if (s.family === 1) return [...s.address].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(s.address.readUInt16BE(i).toString(16));
  return groups.join(':');
}

export const ipv4Of = (s: ClientSubnet) => (s.family === 1 ? s.address.readUInt32BE(0) : undefined);
