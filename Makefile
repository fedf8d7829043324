# Meridian: the two commands a new user runs.
#   make up     install what is missing, build, start every DC of regions/ (regionctl up) with the demo catalog
#   make test   install what is missing, build, run the whole suite
SHELL := /bin/bash
# Debian package : a binary it installs (checked in sbin folders too)
APT_PACKAGES := mariadb-server:mariadbd mariadb-client:mariadb haproxy:haproxy redis-server:redis-server curl:curl bind9-dnsutils:dig chromium:chromium
NODE_STAMP := node_modules/.package-lock.json

.PHONY: up test deps build bench lint clean
.DEFAULT_GOAL := up

up: deps build
	@./regionctl up $(ARGS)

test: deps build
	@scripts/test.sh

bench: deps build
	@bench/run.sh

# Debian packages the servers come from; installed only when a binary is missing.
deps: $(NODE_STAMP)
	@missing=""; \
	for pair in $(APT_PACKAGES); do \
	  PATH="$$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v "$${pair#*:}" >/dev/null || missing="$$missing $${pair%%:*}"; \
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
