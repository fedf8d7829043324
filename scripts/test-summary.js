// Prints the last line of `make test` from jest's JSON report plus the lint/typecheck checks,
// and exits non-zero when anything failed (a suite that could not run counts as a failure).
const fs = require('fs');
const [file, ...checks] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
try {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const s of r.testResults) if (s.status === 'failed' && s.assertionResults.length === 0) console.log(`suite failed to run: ${s.name}`);
} catch (e) {
  console.log(`no jest report (${e.message}): jest did not finish`);
  failed += 1;
}
for (const c of checks) {
  const [name, result] = c.split(':');
  if (result === 'pass') passed += 1; else { failed += 1; console.log(`${name} failed`); }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
