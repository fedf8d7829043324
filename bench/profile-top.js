#!/usr/bin/env node
// Summarises a .cpuprofile: self time by package (or Node built-in) and the 25 costliest functions.
const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const dt = {};
p.samples.forEach((s, i) => { dt[s] = (dt[s] || 0) + (p.timeDeltas[i] || 0); });
const total = Object.values(dt).reduce((a, b) => a + b, 0);
const byPkg = new Map();
const byFn = new Map();
for (const n of p.nodes) {
  const t = dt[n.id] || 0;
  const u = n.callFrame.url;
  const m = u.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  const pkg = m ? m[1] : u.includes('/dist/') ? 'meridian' : u ? `node:${u.split('/').pop()}` : n.callFrame.functionName;
  byPkg.set(pkg, (byPkg.get(pkg) || 0) + t);
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${u.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber}`;
  byFn.set(fn, (byFn.get(fn) || 0) + t);
}
const show = (title, m, k) => {
  console.log(title);
  [...m].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([name, t]) => console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`));
};
show('self time by package', byPkg, 18);
show('top functions (self time)', byFn, 25);
