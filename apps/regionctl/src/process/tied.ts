import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

// Runs the server, forwards TERM/INT to it, and kills it once the watched process is gone: a
// supervisor or test worker that dies (SIGKILL, a crash) runs no clean-up of its own.
// The trap is set before the server starts: a TERM arriving between the two must not kill the
// watchdog alone and leave the server running.
const WATCHDOG = `
child=
trap '[ -n "$child" ] && kill -TERM $child 2>/dev/null && wait $child; exit' TERM INT
"$@" & child=$!
[ -n "$CHILD_PID_FILE" ] && echo $child > "$CHILD_PID_FILE"
while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done
kill -KILL $child 2>/dev/null
wait $child`;

/**
 * Spawns a server that cannot outlive the process that started it. The ChildProcess is the
 * watchdog: it exits with the server's status; `childPidFile` receives the server's own pid.
 */
export function spawnTied(command: string, args: string[], options: SpawnOptions = {}, childPidFile = ''): ChildProcess {
  return spawn('sh', ['-c', WATCHDOG, 'watchdog', command, ...args], {
    // like spawn itself, a child without an explicit environment inherits this process's
    // eslint-disable-next-line no-restricted-syntax
    ...options, env: { WATCH_PID: String(process.pid), ...(options.env ?? process.env), CHILD_PID_FILE: childPidFile },
  });
}
