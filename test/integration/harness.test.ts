import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTied, stopProcess, waitFor } from '../support/processes';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('test harness: servers never outlive their test process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-harness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a server whose test process is killed is killed too', async () => {
    const testProcess = spawn('sleep', ['60']); // stands in for a Jest worker that dies without cleaning up
    const pidFile = join(dir, 'server.pid');
    const watchdog = spawnTied('sleep', ['60'], { env: { ...process.env, WATCH_PID: String(testProcess.pid) } }, pidFile);
    await waitFor('the server pid', async () => readFileSync(pidFile, 'utf8').trim().length > 0, 5000, 20);
    const server = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(server)).toBe(true);
    testProcess.kill('SIGKILL');
    await waitFor('the server to be gone', async () => !alive(server), 5000, 50);
    await stopProcess(watchdog);
  });

  it('stopping the watchdog stops the server and reports its exit', async () => {
    const pidFile = join(dir, 'server2.pid');
    const watchdog = spawnTied('sleep', ['60'], {}, pidFile);
    await waitFor('the server pid', async () => readFileSync(pidFile, 'utf8').trim().length > 0, 5000, 20);
    const server = Number(readFileSync(pidFile, 'utf8'));
    await stopProcess(watchdog);
    expect(alive(server)).toBe(false);
  });
});
