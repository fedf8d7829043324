#!/usr/bin/env bash
# `make bench-dns`: our gslb-dns and PowerDNS Authoritative (the peer kit) in one sitting, one
# procedure: dnsperf with and without ECS (each server pinned to core 0, dnsperf to core 1), then
# the kit's flip test (fake-health.js turns DC a FAIL and PASS again; dig every 50 ms).
# Detection after real kills of commerce-api processes is bench/dns-reroute.js (same sitting: run both).
# env: POWERDNS_KIT (../shared/peers/powerdns) DURATION (10) N (20 flips) DNS_POLL_MS (200)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
KIT="${POWERDNS_KIT-$ROOT/../shared/peers/powerdns}"
[[ -x "$KIT/run-bench.sh" ]] || { echo "no PowerDNS kit at $KIT (set POWERDNS_KIT)"; exit 2; }
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/dns-$STAMP"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-dns-bench-XXXXXX")"
export WORKDIR="$WORK/peer-powerdns" DURATION="${DURATION:-10}" N="${N:-20}"
OUR_PORT="${OUR_DNS_PORT:-15354}" OUR_HTTP="${OUR_HTTP_PORT:-15355}"
mkdir -p "$OUT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
record_commit "$OUT"
OUR_PID=""
cleanup() {
  if [[ -n "$OUR_PID" ]]; then kill "$OUR_PID" 2>/dev/null || true; fi
  "$KIT/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=/dev/null
source "$KIT/env.sh"

echo "== PowerDNS $(pdns_version): dnsperf (static packet-cached and LUA ifurlup, shared mode)"
VARIANTS="${PDNS_VARIANTS:-plain lua-shared}" "$KIT/run-bench.sh" 2>/dev/null | tee "$OUT/pdns-dnsperf.txt"
echo "== PowerDNS: FAIL→gone and PASS→back, $N flips (lua-health-checks-interval ${HC_INTERVAL} s)"
"$KIT/failover.sh" 2>/dev/null | tee "$OUT/pdns-failover.txt"
"$KIT/stop.sh" >/dev/null

echo "== gslb-dns: the kit's zone, DCs a and b checked at fake-health.js's /dc/<code> every ${DNS_POLL_MS:-200} ms"
cat > "$WORK/zone.json" <<JSON
{ "zone": "$ZONE", "hostname": "$QNAME", "ttl": $RECORD_TTL, "answers": 1,
  "nameservers": [{ "name": "ns1.$ZONE", "address": "127.0.0.1" }], "defaultOrder": ["a", "b"],
  "dcs": [
    { "code": "a", "addresses": ["$DC_A_ADDR"], "subnets": ["10.1.0.0/16"], "latencyMs": { "b": 20 }, "healthchecks": ["http://127.0.0.1:$HEALTH_PORT"] },
    { "code": "b", "addresses": ["$DC_B_ADDR"], "subnets": ["10.2.0.0/16"], "latencyMs": { "a": 20 }, "healthchecks": ["http://127.0.0.1:$HEALTH_PORT"] } ] }
JSON
"$KIT/start.sh" health >/dev/null
pin_prefix "$PDNS_CPU"
DNS_INSTANCE=bench DNS_CONFIG="$WORK/zone.json" DNS_STATE_DIR="$WORK/state" DNS_HOST=127.0.0.1 DNS_PORT="$OUR_PORT" \
  HTTP_HOST=127.0.0.1 HTTP_PORT="$OUR_HTTP" DNS_POLL_MS="${DNS_POLL_MS:-200}" LOG_LEVEL=warn NODE_ENV=production \
  "${PIN[@]}" node dist/apps/gslb-dns/src/main.js > "$WORK/gslb-dns.log" 2>&1 &
OUR_PID=$!
for _ in $(seq 1 100); do dig +short +tries=1 +time=1 -p "$OUR_PORT" @127.0.0.1 "$QNAME" | grep -q . && break; sleep 0.1; done
EXTERNAL=1 VARIANTS=gslb-dns DNS_PORT="$OUR_PORT" "$KIT/run-bench.sh" 2>/dev/null | tee "$OUT/ours-dnsperf.txt"
echo "== gslb-dns: FAIL→gone and PASS→back, $N flips"
EXTERNAL=1 START_HEALTH=0 DNS_PORT="$OUR_PORT" SETTLE_MS="${DNS_POLL_MS:-200}" "$KIT/failover.sh" 2>/dev/null | tee "$OUT/ours-failover.txt"
curl -fsS "http://127.0.0.1:$OUR_HTTP/metrics" | grep -E '^dns_(queries|fail_open|formerr|dropped)' > "$OUT/ours-metrics.txt" || true
echo "(results in $OUT)"
