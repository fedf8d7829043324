import { execFile } from 'node:child_process';
import { findBinary } from './processes';

export interface DigAnswer {
  status: string;
  flags: string[];
  /** the answer section: `A 127.0.1.1`, `NS ns1.meridian.test.` … */
  answers: string[];
  authority: string[];
  /** the ECS option echoed: `10.2.0.0/24/16` (address/source/scope) */
  clientSubnet?: string;
  raw: string;
}

export interface DigOptions {
  type?: string;
  /** the source address dig sends from */
  bind?: string;
  /** +subnet=… (an ECS option) */
  subnet?: string;
  tcp?: boolean;
  /** other dig options as given, e.g. +noedns */
  extra?: string[];
}

/** One query with the real `dig` (bind9-dnsutils), its answer parsed from dig's own output. */
export function dig(server: string, port: number, name: string, o: DigOptions = {}): Promise<DigAnswer> {
  const args = [`@${server}`, '-p', String(port), name, o.type ?? 'A', '+tries=1', '+time=2', '+norecurse',
    ...(o.bind ? ['-b', o.bind] : []), ...(o.subnet ? [`+subnet=${o.subnet}`] : []), ...(o.tcp ? ['+tcp'] : []), ...(o.extra ?? [])];
  return new Promise((resolve, reject) => {
    execFile(findBinary('dig'), args, { timeout: 10000 }, (err, stdout) => {
      if (err && !stdout) return reject(new Error(`dig ${args.join(' ')} failed: ${err.message}`));
      const section = (title: string) => {
        const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
        return m ? m[1]!.split('\n').filter(Boolean).map((l) => l.split(/\s+/)).map((f) => `${f[3]} ${f.slice(4).join(' ')}`) : [];
      };
      const header = /status: (\w+)/.exec(stdout);
      if (!header) return reject(new Error(`dig ${args.join(' ')}: no answer:\n${stdout}`));
      resolve({
        status: header[1]!, flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/),
        answers: section('ANSWER'), authority: section('AUTHORITY'), clientSubnet: /; CLIENT-SUBNET: (\S+)/.exec(stdout)?.[1], raw: stdout,
      });
    });
  });
}
