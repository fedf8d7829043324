import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the first folder above this file that holds package.json (works from src/ and dist/). */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** A built app's folder (make build builds them all); its main.js must be there. */
function built(app: string): string {
  const dir = join(repoRoot(), 'dist', app, 'src');
  if (!existsSync(join(dir, 'main.js'))) throw new Error(`${join(dir, 'main.js')} is missing: run \`make build\` first`);
  return dir;
}

/** The built commerce-api: the server and its administration CLI. */
export function commerceApi(): { main: string; cli: string } {
  const dir = built('apps/commerce-api');
  return { main: join(dir, 'main.js'), cli: join(dir, 'cli.js') };
}

/** The built geo-DNS server. */
export const gslbDns = (): string => join(built('apps/gslb-dns'), 'main.js');

/** The built aggregator of a DC's health. */
export const gslbHealthcheck = (): string => join(built('gslb-healthcheck'), 'main.js');

/** Runs commerce-api's CLI (migrate, seed …) with exactly the given environment; rejects with its output on failure. */
export function runApiCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [commerceApi().cli, ...args], { env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cli ${args.join(' ')} failed for DC ${env.DC_ID}: ${stderr || stdout || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
