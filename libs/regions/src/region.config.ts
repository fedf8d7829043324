import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested,
} from 'class-validator';
import { DC_CODE_PATTERN } from '@meridian/dc';

export const DURABILITIES = ['async', 'semi-sync'] as const;
export type Durability = (typeof DURABILITIES)[number];

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/([0-9]|[12]\d|3[0-2])$/;
/** Each DC owns a loopback block 127.0.X.0/24 (X from 1 to 254): its processes bind addresses in it. */
export const LOOPBACK_BLOCK = /^127\.0\.(25[0-4]|2[0-4]\d|1\d\d|[1-9]\d?)\.0\/24$/;

export class Geography {
  /** ISO 3166-1 alpha-2 codes of the countries this DC serves first */
  @IsArray() @ArrayMinSize(0) @Matches(/^[A-Z]{2}$/, { each: true, message: 'countries must be ISO 3166 alpha-2 codes like "DE"' })
  countries: string[] = [];

  /** client subnets this DC serves first (IPv4 CIDR) */
  @IsArray() @Matches(IPV4_CIDR, { each: true, message: 'subnets must be IPv4 CIDR blocks like "10.1.0.0/16"' })
  subnets: string[] = [];
}

/** One data center, as one file of regions/ describes it. */
export class RegionConfig {
  @Matches(DC_CODE_PATTERN, { message: 'code must be a DC code like "a" or "eu1"' })
  code: string;

  @IsString() @Length(1, 100)
  name: string;

  /** MariaDB server_id of this DC's database: unique in the topology */
  @IsInt() @Min(1) @Max(4294967295)
  serverId: number;

  /** MariaDB gtid_domain_id of this DC's writes: unique in the topology */
  @IsInt() @Min(0) @Max(4294967295)
  gtidDomainId: number;

  @Matches(LOOPBACK_BLOCK, { message: 'addressBlock must be a loopback block 127.0.X.0/24 with X from 1 to 254' })
  addressBlock: string;

  @IsOptional() @IsInt() @Min(1) @Max(16)
  apiProcesses = 2;

  @IsOptional() @IsIn(DURABILITIES, { message: 'durability must be "async" or "semi-sync"' })
  durability: Durability = 'async';

  /** with semi-sync: how long a commit waits for another DC before falling back to async */
  @IsOptional() @IsInt() @Min(1) @Max(60000)
  semiSyncTimeoutMs = 500;

  /** one-way WAN latency from this DC to each other DC, in ms */
  @IsObject()
  wanLatencyMs: Record<string, number>;

  @ValidateNested() @Type(() => Geography)
  geography: Geography;

  /**
   * settings of this DC's commerce-api processes, as their environment variables (e.g.
   * CATALOG_CACHE_MS: 500); checked against commerce-api's own configuration by `regionctl check` and `up`
   */
  @IsOptional() @IsObject()
  env: Record<string, string | number | boolean> = {};
}
