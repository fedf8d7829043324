import { Transform } from 'class-transformer';
import {
  getMetadataStorage, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength,
} from 'class-validator';
import { DC_CODE_PATTERN, ROUTING_MODES, RoutingMode } from '@meridian/dc';
import { ConfigError, loadEnv, toBool, toInt } from '@meridian/config';

export { ConfigError, loadEnv };

/** `b=127.0.1.21:3306,c=127.0.1.22:3306`: each other DC and the address of the WAN link to its database. */
const REMOTE_DBS = /^$|^[a-z][a-z0-9]{0,7}=[0-9.]+:\d{1,5}(,[a-z][a-z0-9]{0,7}=[0-9.]+:\d{1,5})*$/;

export function parseRemoteDbs(value: string): { dc: string; host: string; port: number }[] {
  return value.split(',').filter(Boolean).map((item) => {
    const [dc = '', address = ''] = item.split('=');
    const [host = '', port = ''] = address.split(':');
    return { dc, host, port: Number(port) };
  });
}

/** What every process of a DC needs: which DC it is and how to reach its database. */
export class DbEnv {
  @Matches(DC_CODE_PATTERN, { message: 'DC_ID must be a DC code like "a" or "eu1"' })
  DC_ID: string;

  @IsOptional() @IsString() DB_HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) DB_PORT = 3306;
  @IsOptional() @IsString() DB_SOCKET?: string;
  @IsOptional() @IsString() DB_USER = 'meridian';
  @IsOptional() @IsString() DB_PASSWORD = '';
  @IsOptional() @IsString() DB_NAME = 'meridian';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500) DB_POOL_SIZE = 16;
  /** other DCs' databases (Order_DS_Remote), as dc=host:port through the WAN links */
  @IsOptional() @Matches(REMOTE_DBS, { message: 'REMOTE_DBS must be like "b=127.0.1.21:3306,c=127.0.1.22:3306"' })
  REMOTE_DBS = '';
  /**
   * the deadline of a connection attempt and of each round trip to another DC's database; a
   * transaction there refuses to commit after it. Below the smallest RESERVATION_GRACE_SECONDS (30 s)
   * by construction: no owner batch may commit once the sweeper may give its stock back.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(20000) REMOTE_STATEMENT_TIMEOUT_MS = 2000;
}

/** The environment commerce-api reads, validated once at boot. */
export class AppEnv extends DbEnv {
  @IsOptional() @IsString() HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) REMOTE_DB_POOL_SIZE = 8;
  /**
   * remote-write: any DC serves any shopper, writes cross the WAN to the home. relocate: a request
   * of a shopper whose home is elsewhere is sent there (307 and the home cookie the edge routes on).
   */
  @IsOptional() @IsIn(ROUTING_MODES, { message: 'ROUTING_MODE must be remote-write or relocate' })
  ROUTING_MODE: RoutingMode = 'remote-write';

  @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) SESSION_TTL_SECONDS = 7 * 24 * 3600;
  @IsOptional() @Transform(toBool) @IsBoolean() COOKIE_SECURE = false;

  /** a log-in elsewhere keeps the account's home if the home saw a log-in this recently */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) HOME_ACTIVE_WINDOW_SECONDS = 1800;
  /**
   * how long a new home waits for the old home's writes to replicate before its first write; past
   * it, the claim is given back and the session writes at the old home (a lag is tens of ms)
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(60) HOME_CLAIM_WAIT_SECONDS = 2;
  /**
   * three DCs or more: a DC whose processes cannot reach a majority of the DCs (itself counted) for
   * this long takes no writes (a lease), so that a failover of it elsewhere, which waits longer, never
   * leaves an account two homes that both write; 0: no lease (two DCs cannot vote)
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(600) LEASE_SECONDS = 0;
  /** read-your-writes: how long a read from the local replica waits for the client's last remote write before asking the home */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(5000) READ_YOUR_WRITES_WAIT_MS = 250;
  /** how often each process looks for stock reservations left held without an order (0: never) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RESERVATION_SWEEP_SECONDS = 60;
  /** a held reservation without an order is given back only when older than this (no checkout still running) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(30) RESERVATION_GRACE_SECONDS = 300;
  /** how often each process receives the stock transfers to its DC that arrived by replication only (0: never) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) STOCK_RECEIVE_SECONDS = 5;
  /** how often each process purges, in this DC's database, the rows that are no use any more (0: never) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RETENTION_SWEEP_SECONDS = 600;
  /** how long an Idempotency-Key (checkout, cart merge) is kept: asked again later, it is a new request */
  @IsOptional() @Transform(toInt) @IsInt() @Min(24) IDEMPOTENCY_KEY_RETENTION_HOURS = 7 * 24;
  /** how long a session row is kept after it expired */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SESSION_RETENTION_HOURS = 24;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) LOGIN_MAX_FAILURES = 10;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) LOGIN_WINDOW_SECONDS = 900;

  /** the DC's Redis, for its job queues (BullMQ): redis://host:port[/db]; unset, the queues are off and deep health fails its queue check */
  @IsOptional() @Matches(/^(rediss?:\/\/[^\s/]+(\/\d+)?)?$/, { message: 'REDIS_URL must be like "redis://127.0.1.6:6379"' }) REDIS_URL = '';
  /** GET /health/deep answers within this; a check that has not finished by then counts as failed */
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(30000) DEEP_HEALTH_TIMEOUT_MS = 1000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) CATALOG_CACHE_MS = 1000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) LOW_STOCK_THRESHOLD = 10;
  @IsOptional() @Matches(/^[A-Z]{3}$/) STORE_CURRENCY = 'USD';

  @IsOptional() @IsIn(['error', 'warn', 'info', 'debug']) LOG_LEVEL = 'info';
  @IsOptional() @Transform(toBool) @IsBoolean() ACCESS_LOG = true;
  /** after SIGTERM: how long to keep serving (readiness failing, Connection: close) before closing the listener */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_DRAIN_MS = 1000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_GRACE_MS = 15000;
}

export const loadAppEnv = (env: NodeJS.ProcessEnv = process.env) => loadEnv(AppEnv, env);

/** The names of every setting commerce-api reads (the validated properties of AppEnv). */
export function settingNames(): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(AppEnv, '', true, false).map((m) => m.propertyName))].sort();
}

/**
 * What is wrong with settings given to commerce-api from outside its environment (a DC's `env:` in
 * regions/): names it does not read (a typo would be ignored silently), and values its validation
 * refuses. Empty when they are fine.
 */
export function settingProblems(settings: Record<string, string>): string[] {
  const known = new Set(settingNames());
  const unknown = Object.keys(settings).filter((k) => !known.has(k)).map((k) => `  ${k}: not a setting of commerce-api`);
  try {
    loadAppEnv({ DC_ID: 'a', JWT_SECRET: 'x'.repeat(32), ...settings });
    return unknown;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [...unknown, ...err.message.split('\n').slice(1)];
  }
}
