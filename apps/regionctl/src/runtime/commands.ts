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

/** The built commerce-api (make build): the server and its administration CLI. */
export function commerceApi(): { main: string; cli: string } {
  const dir = join(repoRoot(), 'dist/apps/commerce-api/src');
  const main = join(dir, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`make build\` first`);
  return { main, cli: join(dir, 'cli.js') };
}

/** Runs commerce-api's CLI (migrate, seed …) with exactly the given environment; rejects with its output on failure. */
export function runApiCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [commerceApi().cli, ...args], { env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cli ${args.join(' ')} failed for DC ${env.DC_ID}: ${stderr || stdout || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
