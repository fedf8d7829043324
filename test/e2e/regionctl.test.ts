import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGIONCTL = join(__dirname, '../../dist/apps/regionctl/src/main.js');
const REGIONS = join(__dirname, '../../regions');
const regionctl = (...args: string[]) => spawnSync(process.execPath, [REGIONCTL, ...args], { encoding: 'utf8' });

describe('regionctl check (the built CLI)', () => {
  it('prints the topology of regions/ and exits 0', () => {
    const r = regionctl('check', '--regions', REGIONS);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^a\s+Europe.*127\.0\.1\.0\/24\s+1\s+1\s+2\s+async\s+b 20 ms$/m);
    expect(r.stdout).toMatch(/topology ok: 2 DCs/);
  });

  it('refuses a topology whose DCs share a gtid_domain_id, with a clear message and exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regions-'));
    try {
      cpSync(REGIONS, dir, { recursive: true });
      writeFileSync(join(dir, 'b.yaml'), readFileSync(join(dir, 'b.yaml'), 'utf8').replace('gtidDomainId: 2', 'gtidDomainId: 1'));
      const r = regionctl('check', '--regions', dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/DCs a and b share gtid_domain_id 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks each DC\'s commerce-api settings (env: in its region file) as commerce-api does: unknown names and bad values refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regions-'));
    try {
      cpSync(REGIONS, dir, { recursive: true });
      const a = readFileSync(join(dir, 'a.yaml'), 'utf8');
      writeFileSync(join(dir, 'a.yaml'), `${a}env:\n  HOME_ACTIVE_WINDOW_SECONDS: -5\n  CATALOG_CACHE_MSS: 500\n  DB_HOST: 10.0.0.1\n  LOG_LEVEL: debug\n`);
      const bad = regionctl('check', '--regions', dir);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/a\.yaml: env\.DB_HOST: set by regionctl/);
      expect(bad.stderr).toMatch(/a\.yaml: env\.CATALOG_CACHE_MSS: not a setting of commerce-api/);
      expect(bad.stderr).toMatch(/a\.yaml: env\.HOME_ACTIVE_WINDOW_SECONDS: HOME_ACTIVE_WINDOW_SECONDS must not be less than 0/);
      expect(bad.stderr).not.toMatch(/LOG_LEVEL/);
      // up refuses it the same way before it starts anything
      const up = regionctl('up', '--regions', dir, '--data', join(dir, 'data'));
      expect([up.status, up.stderr]).toEqual([1, expect.stringMatching(/env\.CATALOG_CACHE_MSS/)]);
      writeFileSync(join(dir, 'a.yaml'), `${a}env:\n  HOME_ACTIVE_WINDOW_SECONDS: 60\n  ACCESS_LOG: false\n`);
      const good = regionctl('check', '--regions', dir);
      expect(good.status).toBe(0);
      expect(good.stdout).toMatch(/^a commerce-api settings: HOME_ACTIVE_WINDOW_SECONDS=60 ACCESS_LOG=false$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers an unknown command with its usage and exit 2', () => {
    const r = regionctl('launch');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: regionctl/);
  });

  it('is a command: ./regionctl at the top and npx regionctl (package.json bin) run the build; --help prints the usage', () => {
    const root = join(__dirname, '../..');
    const top = spawnSync(join(root, 'regionctl'), ['check', '--regions', REGIONS], { encoding: 'utf8', cwd: root });
    expect([top.status, top.stdout]).toEqual([0, expect.stringMatching(/topology ok: 2 DCs/)]);
    const npx = spawnSync('npx', ['--no-install', 'regionctl', 'check'], { encoding: 'utf8', cwd: root });
    expect([npx.status, npx.stdout]).toEqual([0, expect.stringMatching(/topology ok: 2 DCs/)]);
    const help = regionctl('--help');
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^usage: regionctl <command>/)]);
  });

  it('names the commands it suggests as the operator types them, with the data folder it was given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regions-data-'));
    try {
      const r = regionctl('status', '--data', join(dir, 'it has spaces'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`no topology is up for ${join(dir, 'it has spaces')} (start one with ./regionctl up --data '${join(dir, 'it has spaces')}')`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown routing mode before starting anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regions-data-'));
    try {
      const r = regionctl('up', '--regions', REGIONS, '--data', dir, '--routing', 'teleport');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--routing is remote-write or relocate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
