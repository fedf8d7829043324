import { Agent as HttpAgent } from 'node:http';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';
import { HealthcheckEnv } from '../config';
import { DcHealthService, DcStatus } from '../dc-health.service';
import { shortError } from '../probes';

/** One DC as the dashboard shows it: the status of the first of its aggregators that answered, or why none did. */
export interface DashboardDc {
  dc: string;
  /** where the status came from: "this aggregator" or a peer's URL */
  from: string;
  status?: DcStatus;
  error?: string;
}

export interface DashboardDns {
  url: string;
  /** the geo-DNS server's /status, as it answers it */
  status?: unknown;
  error?: string;
}

export interface DashboardData {
  at: string;
  dc: string;
  instance: string;
  dcs: DashboardDc[];
  dns: DashboardDns[];
}

const ASK_TIMEOUT_MS = 800;
/** several open dashboards share one gathering per half second */
const REUSE_MS = 500;

/** Gathers what the operators' page shows: this DC, every other DC through its aggregators, and the geo-DNS servers. */
@Injectable()
export class DashboardService implements OnApplicationShutdown {
  private readonly agent = new HttpAgent({ keepAlive: true, maxSockets: 2 });
  private readonly http: AxiosInstance;
  private readonly peers: Map<string, string[]>;
  private readonly dnsUrls: string[];
  private last?: { at: number; data: Promise<DashboardData> };

  constructor(@Inject(HealthcheckEnv) private readonly env: HealthcheckEnv, @Inject(DcHealthService) private readonly health: DcHealthService) {
    this.http = axios.create({ httpAgent: this.agent, timeout: ASK_TIMEOUT_MS, maxRedirects: 0, responseType: 'json' });
    this.peers = new Map();
    for (const pair of env.HC_PEERS.split(',').filter(Boolean)) {
      const [dc, url] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1).replace(/\/+$/, '')];
      if (dc === env.HC_DC) continue;
      this.peers.set(dc, [...(this.peers.get(dc) ?? []), url]);
    }
    this.dnsUrls = env.HC_DNS.split(',').filter(Boolean).map((u) => u.replace(/\/+$/, ''));
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  data(): Promise<DashboardData> {
    if (this.last && Date.now() - this.last.at < REUSE_MS) return this.last.data;
    const data = this.gather();
    this.last = { at: Date.now(), data };
    return data;
  }

  private async gather(): Promise<DashboardData> {
    const [own, others, dns] = await Promise.all([
      this.health.status(),
      Promise.all([...this.peers].map(([dc, urls]) => this.askDc(dc, urls))),
      Promise.all(this.dnsUrls.map(async (url): Promise<DashboardDns> => {
        try {
          return { url, status: (await this.http.get<unknown>(`${url}/status`)).data };
        } catch (err) {
          return { url, error: why(err) };
        }
      })),
    ]);
    const dcs = [{ dc: this.env.HC_DC, from: 'this aggregator', status: own }, ...others].sort((x, y) => x.dc.localeCompare(y.dc));
    return { at: new Date().toISOString(), dc: this.env.HC_DC, instance: this.env.HC_INSTANCE, dcs, dns };
  }

  /** A DC's aggregators are asked together; the first to answer is shown (a dead DC answers none). */
  private async askDc(dc: string, urls: string[]): Promise<DashboardDc> {
    const errors: string[] = [];
    const asked = urls.map(async (url) => {
      try {
        const status = (await this.http.get<DcStatus>(`${url}/status`)).data;
        return { dc, from: url, status };
      } catch (err) {
        errors.push(`${url}: ${why(err)}`);
        throw err;
      }
    });
    try {
      return await Promise.any(asked);
    } catch {
      return { dc, from: urls.join(', '), error: `no aggregator answers (${errors.join('; ')})` };
    }
  }
}

const why = (err: unknown) => {
  const status = (err as { response?: { status: number } }).response?.status;
  return status === undefined ? shortError(err) : `answered ${status}`;
};
