import { execFileSync } from 'node:child_process';

/** Absolute path of a server binary; Debian puts some in /usr/sbin, which a normal user's PATH lacks. */
export function binary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v ${name}`]).toString().trim();
  } catch {
    throw new Error(`${name} is not installed: run \`make deps\` (it installs the packages Meridian needs)`);
  }
}
