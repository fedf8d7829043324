import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { loadEnv, toInt } from '@meridian/config';

/** What one gslb-dns instance reads from its environment (regionctl sets it), validated once at boot. */
export class DnsEnv {
  /** this server's name among the zone's name servers, e.g. "ns1" */
  @IsOptional() @Matches(/^[a-z0-9-]{1,16}$/) DNS_INSTANCE = 'ns1';
  /** the zone, its DCs and their aggregators: a JSON file (regionctl writes it from regions/) */
  @IsString() @MinLength(1) DNS_CONFIG: string;
  /** where the last known health is kept, to answer at once after a restart */
  @IsString() @MinLength(1) DNS_STATE_DIR: string;

  @IsOptional() @IsString() DNS_HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) DNS_PORT = 8053;
  /** /metrics, /status and /health/live */
  @IsOptional() @IsString() HTTP_HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) HTTP_PORT = 8054;

  /** each DC's aggregators are asked this often */
  @IsOptional() @Transform(toInt) @IsInt() @Min(20) @Max(60000) DNS_POLL_MS = 200;
  @IsOptional() @Transform(toInt) @IsInt() @Min(20) @Max(60000) DNS_POLL_TIMEOUT_MS = 1000;
  /** a DC none of whose aggregators answers is failed after this many polls in a row */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) DNS_FAIL_ROUNDS = 2;
  /** and passes again only after this many answered PASS in a row */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) DNS_PASS_ROUNDS = 3;
  /** with no state on disk, how long the first poll may hold the first answer back */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) DNS_COLD_START_MS = 3000;
  @IsOptional() @IsIn(['error', 'warn', 'info', 'debug']) LOG_LEVEL = 'info';
}

export const loadDnsEnv = (env: NodeJS.ProcessEnv = process.env) => loadEnv(DnsEnv, env);
