import { createConnection } from 'node:net';
import { Endpoint } from '../wan/wan-link';

/** The most commerce-api processes a DC may scale to: HAProxy holds a server slot for each. */
export const MAX_API_SLOTS = 16;

export interface LbConfigInput {
  dc: string;
  entry: Endpoint;
  statsSocket: string;
  /** addresses of every slot, in order; slots beyond `active` start disabled */
  slots: Endpoint[];
  active: number;
}

export const slotName = (i: number) => `api${i + 1}`;

/** Active health checks on /health/ready: out after 2 failures (~2 s), back after 1 success. */
const HEALTH = `  option httpchk
  http-check send meth GET uri /health/ready
  http-check expect status 200
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1`;

/**
 * What every HAProxy of the topology shares: the runtime API socket regionctl drives, HTTP mode, and
 * a request whose connection was refused sent again (it never arrived), to another server if any.
 */
function preamble(whose: string, statsSocket: string): string {
  return `# written by regionctl for ${whose}; regenerated on every start
global
  maxconn 4000
  stats socket ${statsSocket} mode 600 level admin
  stats timeout 10s

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 10s
  option redispatch 1
  retries 2
  retry-on conn-failure
`;
}

/**
 * One DC's load balancer: every commerce-api process is a server slot with an active health check
 * on /health/ready (a draining or dead process leaves the rotation within ~2 s); a request whose
 * connection was refused is sent again to another server, which is safe because it never arrived.
 * Idle slots are disabled so that `regionctl scale` only enables or disables them at run time.
 */
export function haproxyConfig(o: LbConfigInput): string {
  return `${preamble(`DC ${o.dc}`, o.statsSocket)}
frontend shop
  bind ${o.entry.host}:${o.entry.port}
  http-response set-header X-Meridian-Edge-DC ${o.dc}
  default_backend api

backend api
  balance leastconn
${HEALTH}
${o.slots.map((s, i) => `  server ${slotName(i)} ${s.host}:${s.port} check${i >= o.active ? ' disabled' : ''}`).join('\n')}
`;
}

export interface EdgeConfigInput {
  entry: Endpoint;
  statsSocket: string;
  /** every DC's entry (its own HAProxy) */
  dcs: { code: string; entry: Endpoint }[];
  /** the cookie naming the account's home DC */
  homeCookie: string;
}

/**
 * The edge of relocate mode, in front of every DC: a request carrying the home cookie goes to that
 * DC, or while its entry is down to another DC (backup servers); any other request goes to any
 * healthy DC (round robin: locally there is no geography to choose by), which serves it or answers
 * 307 with the cookie. Only `any_dc` checks the DCs' entries; the per-DC backends track it, so
 * both see a DC go down at the same moment.
 */
export function edgeConfig(o: EdgeConfigInput): string {
  const backend = (d: { code: string }) => `dc_${d.code}`;
  return `${preamble('the edge (relocate mode)', o.statsSocket)}
frontend edge
  bind ${o.entry.host}:${o.entry.port}
${o.dcs.map((d) => `  use_backend ${backend(d)} if { req.cook(${o.homeCookie}) -m str ${d.code} }`).join('\n')}
  default_backend any_dc

${o.dcs.map((d) => `backend ${backend(d)}
  server ${d.code} ${d.entry.host}:${d.entry.port} track any_dc/${d.code}
${o.dcs.filter((x) => x.code !== d.code).map((x) => `  server ${x.code} ${x.entry.host}:${x.entry.port} backup track any_dc/${x.code}`).join('\n')}
`).join('\n')}
backend any_dc
  balance roundrobin
${HEALTH}
${o.dcs.map((d) => `  server ${d.code} ${d.entry.host}:${d.entry.port} check`).join('\n')}
`;
}

export interface LbServer {
  name: string;
  /** UP, DOWN, MAINT, DRAIN, no check … as HAProxy reports it */
  status: string;
  /** the last health check's result, e.g. L7OK, L4CON */
  check: string;
  /** current sessions */
  sessions: number;
}

/** Sends one command to HAProxy's runtime API (the stats socket) and returns its answer. */
export function haproxyCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socket);
    let out = '';
    s.setTimeout(timeoutMs, () => { s.destroy(); reject(new Error(`HAProxy at ${socket} did not answer "${command}"`)); });
    s.once('error', reject);
    s.once('connect', () => s.write(`${command}\n`));
    s.on('data', (d) => { out += d.toString(); });
    s.once('end', () => resolve(out));
  });
}

/** The servers of one backend (a DC's `api`, or the edge's `any_dc`), from `show stat`. */
export async function lbServers(socket: string, backend = 'api'): Promise<LbServer[]> {
  const [header = '', ...lines] = (await haproxyCommand(socket, 'show stat')).trim().split('\n');
  const head = header.replace(/^# /, '').split(',');
  return lines.map((line) => line.split(','))
    .map((r) => (name: string) => r[head.indexOf(name)] ?? '')
    .filter((field) => field('pxname') === backend && !['BACKEND', 'FRONTEND'].includes(field('svname')))
    .map((field) => ({ name: field('svname'), status: field('status'), check: field('check_status'), sessions: Number(field('scur')) }));
}
