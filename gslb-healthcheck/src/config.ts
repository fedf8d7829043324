import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { DC_CODE_PATTERN } from '@meridian/dc';
import { loadEnv, toInt, toNumber } from '@meridian/config';

const URLS = String.raw`https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*`;
const URL_LIST = new RegExp(`^${URLS}$`);
const OPTIONAL_URL_LIST = new RegExp(`^$|^${URLS}$`);
const PEER_LIST = /^$|^[a-z][a-z0-9]{0,7}=https?:\/\/[^\s,]+(,[a-z][a-z0-9]{0,7}=https?:\/\/[^\s,]+)*$/;

/** What a gslb-healthcheck instance reads from its environment (regionctl sets it), validated once at boot. */
export class HealthcheckEnv {
  /** the DC this aggregator checks */
  @Matches(DC_CODE_PATTERN, { message: 'HC_DC must be a DC code like "a" or "eu1"' }) HC_DC: string;
  /** this instance's name within the DC (two run per DC), e.g. "1" */
  @IsOptional() @Matches(/^[a-z0-9-]{1,16}$/) HC_INSTANCE = '1';
  @IsOptional() @IsString() HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3090;
  @IsOptional() @IsIn(['error', 'warn', 'info', 'debug']) LOG_LEVEL = 'info';

  /** every commerce-api of the DC, polled directly (not through the load balancer) */
  @Matches(URL_LIST, { message: 'HC_APIS must be base URLs like "http://127.0.1.11:8100,http://127.0.1.12:8100"' }) HC_APIS: string;
  /** the DC's entry (HAProxy): one real request goes through it each round */
  @IsOptional() @Matches(/^$|^https?:\/\/\S+$/, { message: 'HC_LB must be a base URL like "http://127.0.1.1:8080"' }) HC_LB = '';
  @IsOptional() @Matches(/^$|^[0-9A-Za-z.-]+:\d{1,5}$/, { message: 'HC_DB must be host:port' }) HC_DB = '';
  @IsOptional() @IsString() HC_DB_SOCKET = '';
  @IsOptional() @IsString() HC_DB_USER = 'meridian_monitor';
  @IsOptional() @IsString() HC_DB_PASSWORD = '';
  @IsOptional() @IsString() HC_DB_NAME = 'meridian';
  @IsOptional() @Matches(/^$|^rediss?:\/\/[^\s/]+$/, { message: 'HC_REDIS must be like "redis://127.0.1.3:8379"' }) HC_REDIS = '';
  /** the folder the DC's drain file is kept in (shared by the DC's aggregators) */
  @IsString() @MinLength(1) HC_STATE_DIR: string;

  /** a round starts this long after the last one started (or when it ends, if it took longer) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(60000) HC_INTERVAL_MS = 500;
  /** each check's deadline (a commerce-api's deep health answers within its own, 1 s by default) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(60000) HC_TIMEOUT_MS = 1500;
  /** the share of the DC's checks that must pass for the round to pass */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0.01) @Max(1) HC_PASS_SHARE = 0.75;
  /** FAIL after this many failed rounds in a row */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) HC_FAIL_ROUNDS = 2;
  /** PASS again after this many passed rounds in a row */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) HC_PASS_ROUNDS = 3;
  /** the other DCs' aggregators as `code=url` pairs (both of each DC), shown on the dashboard */
  @IsOptional() @Matches(PEER_LIST, { message: 'HC_PEERS must be code=url pairs like "b=http://127.0.2.7:8190,b=http://127.0.2.8:8190"' }) HC_PEERS = '';
  /** the geo-DNS servers' HTTP base URLs: the dashboard shows what they answer */
  @IsOptional() @Matches(OPTIONAL_URL_LIST, { message: 'HC_DNS must be base URLs like "http://127.0.0.21:8154"' }) HC_DNS = '';

  /** how much history /status and the dashboard keep */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(86400) HC_HISTORY_SECONDS = 600;
}

export const loadHealthcheckEnv = (env: NodeJS.ProcessEnv = process.env) => loadEnv(HealthcheckEnv, env);
