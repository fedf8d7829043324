// Helpers of the benchmark scripts: CPU accounting from /proc, nearest-rank percentiles.
const fs = require('fs');
const os = require('os');

function procCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** Starts measuring the CPU of named processes; the returned function ends the window. */
function cpuWindow(pids) {
  const t0 = process.hrtime.bigint();
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? procCpuSeconds(p) : null]));
  const self0 = process.cpuUsage();
  return () => {
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const out = { wallSeconds: +wall.toFixed(2) };
    for (const [k, p] of Object.entries(pids)) {
      const end = p ? procCpuSeconds(p) : null;
      out[`${k}CpuPct`] = start[k] == null || end == null ? null : +((100 * (end - start[k])) / wall).toFixed(1);
    }
    const self = process.cpuUsage(self0);
    out.loadgenCpuPct = +((100 * (self.user + self.system) / 1e6) / wall).toFixed(1);
    return out;
  };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarize(values) {
  const s = Float64Array.from(values).sort();
  const r = (x) => (x == null ? null : +x.toFixed(2));
  return {
    count: s.length, p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)),
    max: r(s[s.length - 1] ?? null),
  };
}

const envInt = (name, def) => (process.env[name] ? Number(process.env[name]) : def);

function machineInfo() {
  return { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() };
}

module.exports = { cpuWindow, summarize, envInt, machineInfo };
