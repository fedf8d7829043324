import { Agent as HttpAgent } from 'node:http';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';
import { DnsEnv } from '../config/dns-env';
import { ZoneConfig } from '../config/zone-config';
import { DnsLogger } from '../dns/dns-logger';
import type { HealthView } from '../zone/responder';
import { DcState, DcStateMachine, DcVerdict } from './dc-state';
import { readSavedHealth, saveHealth } from './state-file';

export interface AggregatorAnswer {
  url: string;
  /** what it said last: PASS, FAIL, or why it could not be asked */
  said: 'PASS' | 'FAIL' | 'unreachable';
  reason: string;
  ms: number;
  at: number;
}

export interface DcHealthSnapshot extends Partial<DcState> {
  dc: string;
  /** nothing known yet: answered as healthy */
  unknown: boolean;
  aggregators: AggregatorAnswer[];
}

export interface HealthSnapshot {
  instance: string;
  /** no aggregator of any DC answers: this server is the one cut off, and keeps the last known state */
  cutOff: boolean;
  /** where the state at start came from */
  coldStart: 'state on disk' | 'first poll' | 'nothing (timed out)';
  dcs: DcHealthSnapshot[];
}

/**
 * Asks every DC's aggregators for `GET /dc/<code>` (each DC on its own loop, so one that hangs
 * delays no other) and holds each DC's state for the answers. The state is saved on every change
 * and read back at start: a restarted server answers at once.
 */
@Injectable()
export class HealthPoller implements HealthView, OnModuleInit, OnApplicationShutdown {
  version = 0;
  private readonly machines = new Map<string, DcStateMachine>();
  private readonly answers = new Map<string, AggregatorAnswer[]>();
  private readonly latest = new Map<string, DcVerdict['kind']>();
  private readonly agent = new HttpAgent({ keepAlive: true, maxSockets: 2 });
  private readonly http: AxiosInstance;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private cutOff = false;
  private coldStart: HealthSnapshot['coldStart'] = 'first poll';
  /** resolves once there is a state to answer from (from disk, or the first poll of every DC, bounded) */
  ready!: Promise<void>;

  constructor(@Inject(DnsEnv) private readonly env: DnsEnv, @Inject(ZoneConfig) private readonly config: ZoneConfig,
    @Inject(DnsLogger) private readonly logger: DnsLogger) {
    this.http = axios.create({ httpAgent: this.agent, validateStatus: () => true, maxRedirects: 0, responseType: 'text', transitional: { clarifyTimeoutError: true } });
    const saved = readSavedHealth(env.DNS_STATE_DIR, env.DNS_INSTANCE);
    for (const d of config.dcs) this.machines.set(d.code, new DcStateMachine(saved?.dcs[d.code], env.DNS_FAIL_ROUNDS, env.DNS_PASS_ROUNDS));
    if (saved && config.dcs.every((d) => saved.dcs[d.code])) this.coldStart = 'state on disk';
  }

  onModuleInit(): void {
    const firstPolls = this.config.dcs.map((d) => this.loop(d.code));
    if (this.coldStart === 'state on disk') {
      this.ready = Promise.resolve();
      return;
    }
    this.ready = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.coldStart = 'nothing (timed out)';
        this.logger.warn('the first poll did not finish in time: DCs with no state are answered as healthy', { ms: this.env.DNS_COLD_START_MS });
        resolve();
      }, this.env.DNS_COLD_START_MS);
      void Promise.all(firstPolls).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.agent.destroy();
  }

  healthy(dc: string): boolean {
    return this.machines.get(dc)?.current?.state !== 'FAIL';
  }

  snapshot(): HealthSnapshot {
    return {
      instance: this.env.DNS_INSTANCE, cutOff: this.cutOff, coldStart: this.coldStart,
      dcs: this.config.dcs.map((d) => {
        const s = this.machines.get(d.code)!.current;
        return { dc: d.code, unknown: !s, ...s, aggregators: this.answers.get(d.code) ?? [] };
      }),
    };
  }

  /** One poll of a DC now, then the next after the interval; resolves after the first. */
  private async loop(dc: string): Promise<void> {
    const started = Date.now();
    try {
      await this.poll(dc);
    } catch (err) {
      this.logger.error('a poll failed', { dc, error: (err as Error).message });
    }
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.loop(dc);
    }, Math.max(0, this.env.DNS_POLL_MS - (Date.now() - started)));
    this.timers.add(timer);
  }

  private async poll(dc: string): Promise<void> {
    const urls = this.config.dcs.find((d) => d.code === dc)!.healthchecks;
    const answers = await Promise.all(urls.map((u) => this.ask(u.replace(/\/+$/, ''), dc)));
    if (this.stopped) return;
    this.answers.set(dc, answers);
    const pass = answers.find((a) => a.said === 'PASS');
    const fail = answers.find((a) => a.said === 'FAIL');
    const verdict: DcVerdict = pass ? { kind: 'PASS', reason: pass.reason } : fail ? { kind: 'FAIL', reason: fail.reason }
      : { kind: 'unreachable', reason: answers.map((a) => a.reason).join('; ') };
    this.latest.set(dc, verdict.kind);
    const everyoneGone = this.config.dcs.length > 0 && this.config.dcs.every((d) => this.latest.get(d.code) === 'unreachable');
    if (everyoneGone !== this.cutOff) {
      this.cutOff = everyoneGone;
      if (everyoneGone) this.logger.warn('no aggregator of any DC answers: this server is cut off and keeps the last known state');
      else this.logger.info('aggregators answer again');
    }
    if (everyoneGone) return;
    const m = this.machines.get(dc)!;
    if (m.take(verdict, Date.now())) {
      this.version++;
      this.logger.info(`DC ${dc} is now ${m.current!.state}`, { reason: m.current!.reason });
      this.save();
    }
  }

  private async ask(url: string, dc: string): Promise<AggregatorAnswer> {
    const started = Date.now();
    const done = (said: AggregatorAnswer['said'], reason: string): AggregatorAnswer => ({ url, said, reason, ms: Date.now() - started, at: started });
    try {
      const r = await this.http.get<string>(`${url}/dc/${dc}`, { timeout: this.env.DNS_POLL_TIMEOUT_MS });
      const text = String(r.data);
      if (r.status === 200 && text.startsWith('PASS')) return done('PASS', text.slice(5).split('\n')[0] ?? '');
      if (r.status === 503 && text.startsWith('FAIL')) return done('FAIL', text.replace(/^FAIL:?\s*/, '').split('\n')[0] ?? '');
      return done('unreachable', `answered ${r.status}`);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return done('unreachable', e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED' ? 'timed out' : (e.code ?? e.message ?? String(err)));
    }
  }

  private save(): void {
    const dcs: Record<string, DcState> = {};
    for (const [dc, m] of this.machines) if (m.current) dcs[dc] = m.current;
    try {
      saveHealth(this.env.DNS_STATE_DIR, this.env.DNS_INSTANCE, { savedAt: Date.now(), dcs });
    } catch (err) {
      this.logger.error('the state could not be saved', { error: (err as Error).message });
    }
  }
}
