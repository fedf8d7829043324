# Meridian: the two commands a new user runs.
#   make up     install what is missing, build, start every DC of regions/ (regionctl up) with the demo catalog
#   make test   install what is missing, build, run the whole suite
SHELL := /bin/bash
# Debian package : a binary it installs (checked in sbin folders too; - : the package itself is checked)
APT_PACKAGES := mariadb-server:mariadbd mariadb-client:mariadb haproxy:haproxy redis-server:redis-server curl:curl bind9-dnsutils:dig chromium:chromium
# what make bench-dns adds: PowerDNS (the peer kit's server) and dnsperf
BENCH_DNS_PACKAGES := pdns-server:pdns_server pdns-backend-bind:- dnsperf:dnsperf
NODE_STAMP := node_modules/.package-lock.json

.PHONY: up test deps build bench bench-dns bench-drills lint clean
.DEFAULT_GOAL := up

up: deps build
	@./regionctl up $(ARGS)

test: deps build
	@scripts/test.sh

bench: deps build
	@bench/run.sh

# the geo-DNS side by side with PowerDNS (throughput, flips), then detection-to-reroute over real kills
bench-dns: deps build
	@$(MAKE) --no-print-directory APT_PACKAGES="$(BENCH_DNS_PACKAGES)" deps
	@bench/dns.sh
	@node bench/dns-reroute.js | tee bench/results/dns-reroute-$$(date -u +%Y%m%dT%H%M%SZ).json

# the full DC-outage drills: every scenario, random seeds for RANDOM_MINUTES (10), then docs/drills.md
bench-drills: deps build
	@node bench/drills.js

# Debian packages the servers come from; installed only when a binary is missing.
deps: $(NODE_STAMP)
	@missing=""; \
	for pair in $(APT_PACKAGES); do \
	  bin="$${pair#*:}"; \
	  if [ "$$bin" = - ]; then dpkg-query -W -f='$${Status}' "$${pair%%:*}" 2>/dev/null | grep -q 'ok installed' || missing="$$missing $${pair%%:*}"; \
	  else PATH="$$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v "$$bin" >/dev/null || missing="$$missing $${pair%%:*}"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

build: $(NODE_STAMP)
	@npx --no-install nest build commerce-api

lint: $(NODE_STAMP)
	npx --no-install eslint .

clean:
	rm -rf dist .run
