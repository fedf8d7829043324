import { Agent } from 'node:http';
import axios, { AxiosInstance } from 'axios';

/** One answer of the shop, or why there was none. */
export interface ShopAnswer<T = Record<string, unknown>> {
  status?: number;
  body?: T;
  /** ok, http-<status> <code>, timeout, refused, reset, or the network error's code */
  outcome: string;
  latencyMs: number;
}

/**
 * A shopper's browser as the shop sees it: its cookies (session, guest cart, home DC), kept as a
 * browser keeps them, and HTTP/1.1 with keep-alive to whichever entry address it is given (its DNS
 * answer of the moment). Never throws for an answer or a network failure: the shopper records them.
 */
export class ShopClient {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });
  private readonly http: AxiosInstance;

  constructor(private readonly port: number, timeoutMs: number) {
    this.http = axios.create({ timeout: timeoutMs, httpAgent: this.agent, validateStatus: () => true, maxRedirects: 0, proxy: false });
  }

  async call<T = Record<string, unknown>>(address: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string,
    body?: unknown, headers: Record<string, string> = {}): Promise<ShopAnswer<T>> {
    const started = performance.now();
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    try {
      const r = await this.http.request({ url: `http://${address}:${this.port}${path}`, method, data: body,
        // no body, no content type (axios would send form-urlencoded, which the shop refuses with 415, as it should)
        headers: { ...headers, ...(cookie ? { cookie } : {}), 'content-type': body === undefined ? false : 'application/json' } });
      this.keep(r.headers['set-cookie']);
      const latencyMs = Math.round(performance.now() - started);
      const data = r.data as T & { error?: unknown };
      // a domain error names its code in `error` (FAILED_OVER, OUT_OF_STOCK …), others the status's reason
      const code = data && typeof data === 'object' && typeof data.error === 'string' && /^[A-Z_]+$/.test(data.error) ? ` ${data.error}` : '';
      const outcome = r.status < 400 ? 'ok' : `http-${r.status}${code}`;
      return { status: r.status, body: data, outcome, latencyMs };
    } catch (err) {
      const e = err as { code?: string; message: string };
      const outcome = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'timeout' : e.code === 'ECONNREFUSED' ? 'refused'
        : e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : (e.code ?? 'error').toLowerCase();
      return { outcome, latencyMs: Math.round(performance.now() - started) };
    }
  }

  /** Set-Cookie as a browser applies it: a value replaces the last, an expired one (Max-Age=0, a past Expires) goes. */
  private keep(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const gone = attrs.some((a) => /^max-age=(0|-\d+)$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
      if (gone || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
