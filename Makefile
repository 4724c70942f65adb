# tokenauth: the commands a developer needs.
#   make run    serve on embedded SQLite (data/tokenauth.sqlite3), nothing else to install
#   make test   the whole suite, SQLite and PostgreSQL
#   make dev    PostgreSQL from docker compose, then serve against it
#   make lint   rustfmt and clippy, as CI runs them
#   make fuzz   schemathesis against the live API, then cargo-fuzz on the parsers
#   make bench  load benchmarks on SQLite and PostgreSQL into BENCHMARKS.md
#   make bench-micro  criterion micro-benchmarks of the hot path

SHELL := /bin/bash
CARGO ?= cargo
# PostgreSQL for the tests: a database per test is created here and dropped after.
# sslmode and gssencmode disabled: see DEFAULT_TEST_DATABASE_URL in crates/adapters-db/src/testing.rs.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&gssencmode=disable
COMPOSE_TEST_DATABASE_URL := postgres://tokenauth:tokenauth@127.0.0.1:5433/postgres?sslmode=disable&gssencmode=disable
DEV_DATABASE_URL := postgres://tokenauth:tokenauth@127.0.0.1:5433/tokenauth

.PHONY: bench-micro run dev test lint compose-check fmt build release deps architecture browser redis nginx smtp webhooks pyjwt django clients test-postgres bench fuzz help

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

## The one system library tokenauth links: libpq (PostgreSQL's client), from libpq-dev.
deps:
	@if pkg-config --exists libpq 2>/dev/null || [ -e /usr/include/postgresql/libpq-fe.h ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing libpq-dev (PostgreSQL client library, needed to link tokenauth)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev pkg-config >/dev/null; \
	else \
		echo "make: tokenauth links libpq. Install it first: sudo apt-get install libpq-dev (Debian/Ubuntu), sudo dnf install libpq-devel (Fedora), brew install libpq (macOS)." >&2; \
		exit 1; \
	fi

build: deps
	$(CARGO) build -p tokenauth

release: deps
	$(CARGO) build --release -p tokenauth

run: deps
	$(CARGO) run -p tokenauth -- serve

dev: deps
	docker compose up -d --wait postgres redis mailpit
	DATABASE_URL=$(DEV_DATABASE_URL) TOKENAUTH__THROTTLE__REDIS_URL=redis://127.0.0.1:6380 \
		TOKENAUTH__MAIL__BACKEND=smtp TOKENAUTH__MAIL__SMTP_URL=smtp://127.0.0.1:1025 \
		$(CARGO) run -p tokenauth -- serve

fmt:
	$(CARGO) fmt --all

lint: deps compose-check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## docker-compose.yml must be a valid Compose file (no Docker engine needed).
compose-check:
	@if docker compose version >/dev/null 2>&1; then docker compose config -q; \
	elif command -v docker-compose >/dev/null; then docker-compose config -q; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing docker-compose to validate docker-compose.yml"; \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 || \
		 { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }) && \
		docker-compose config -q; \
	else echo "make: cannot validate docker-compose.yml: install Docker Compose" >&2; exit 1; fi
	@echo "compose: docker-compose.yml is valid"

## domain and application must compile without actix, diesel or bcrypt:
## the outside world reaches them only through adapters.
architecture:
	@for crate in tokenauth-domain tokenauth-application; do \
		if $(CARGO) tree -p $$crate -e normal --prefix none | grep -qE '^(actix|diesel|bcrypt)'; then \
			echo "make: $$crate depends on actix, diesel or bcrypt; the inner layers must not" >&2; \
			$(CARGO) tree -p $$crate -e normal -i actix-web 2>/dev/null; exit 1; \
		fi; \
	done
	@echo "architecture: domain and application are free of actix, diesel and bcrypt"

## Finds a PostgreSQL for the tests, starts one if it can, or says what is missing.
## Prints the URL to use on its last line.
test-postgres:
	@url="$(TEST_DATABASE_URL)"; \
	hostport=$$(echo "$$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#'); \
	host=$${hostport%%:*}; port=$${hostport##*:}; [ "$$port" = "$$hostport" ] && port=5432; \
	up() { (exec 3<>/dev/tcp/$$1/$$2) 2>/dev/null; }; \
	if up "$$host" "$$port"; then echo "$$url"; exit 0; fi; \
	if [ "$$host" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then \
		echo "make: starting the local PostgreSQL cluster" >&2; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start >&2 || true; \
		for i in $$(seq 20); do up "$$host" "$$port" && { echo "$$url"; exit 0; }; sleep 0.5; done; \
	fi; \
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then \
		echo "make: starting PostgreSQL with docker compose" >&2; \
		docker compose up -d --wait postgres >&2 && { echo "$(COMPOSE_TEST_DATABASE_URL)"; exit 0; }; \
	fi; \
	echo "make test: no PostgreSQL at $$host:$$port, and none could be started." >&2; \
	echo "  Either start one there (user postgres, trust auth, allowed to CREATE DATABASE)," >&2; \
	echo "  or set TEST_DATABASE_URL=postgres://user:password@host:port/postgres," >&2; \
	echo "  or install Docker so make test can run 'docker compose up postgres'." >&2; \
	exit 1

## What a test needs from Debian: $(call test_package,<installed?>,<packages>,<tests>).
## Nothing when <installed?> succeeds; installed when root (RUNLEVEL=1 keeps apt
## from starting a service: each test starts its own on a free port);
## otherwise those tests will skip, and this says what to install.
test_package = @if $(1); then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing $(2) for $(3)"; \
		(RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null 2>&1 || \
		 { apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; }); \
	else \
		echo "make: $(3) will be skipped: sudo apt-get install $(2) to run them" >&2; \
	fi

## Debian's Chromium and chromedriver for the browser tests.
browser:
	$(call test_package,[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ],chromium chromium-driver,the browser tests)

## Debian's redis-server for the shared-throttle tests.
redis:
	$(call test_package,command -v redis-server >/dev/null,redis-server,the shared-throttle tests)

## Debian's python3-aiosmtpd: the mail tests run a real SMTP server and read
## what it received.
smtp:
	$(call test_package,/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || python3 -c 'import aiosmtpd' 2>/dev/null,python3-aiosmtpd,the mail tests)

## Debian's nginx for the gateway test, which runs its own from the shipped
## configuration.
nginx:
	$(call test_package,[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null,nginx,the nginx gateway test)

## PyPI's standardwebhooks: the webhook tests verify every delivery with the
## Standard Webhooks reference library, not tokenauth's own signing code.
webhooks:
	@if python3 -c 'import standardwebhooks' 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v python3 >/dev/null; then \
		echo "make: installing standardwebhooks (PyPI) for the webhook tests"; \
		python3 -m pip install --quiet --disable-pip-version-check standardwebhooks; \
	else \
		echo "make: the webhook tests will be skipped: python3 -m pip install standardwebhooks to run them" >&2; \
	fi

## PyPI's PyJWT: the nginx test verifies the JWT the service behind the
## gateway receives with PyJWKClient, not with tokenauth's own code.
pyjwt:
	@if python3 -c 'import jwt, cryptography' 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v python3 >/dev/null; then \
		echo "make: installing pyjwt[crypto] (PyPI) for the gateway JWT test"; \
		python3 -m pip install --quiet --disable-pip-version-check 'pyjwt[crypto]>=2.10,<3'; \
	else \
		echo "make: the gateway JWT test will be skipped: python3 -m pip install 'pyjwt[crypto]' to run it" >&2; \
	fi

## Django REST Framework and djangorestframework-simplejwt (PyPI) in a venv in
## ~/.cache/tokenauth-django: a SimpleJWT resource server verifies tokenauth's
## access JWTs in the token pair test.
django:
	@if command -v python3 >/dev/null && ! python3 -c 'import venv, ensurepip' 2>/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing python3-venv for the Django resource-server test"; apt-get install -y -qq python3-venv >/dev/null; fi
	@if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then bash crates/tokenauth/tests/support/install_django.sh; \
	else echo "make: the Django resource-server test will be skipped: it needs python3 with venv (apt-get install python3-venv)" >&2; fi

## The client generators (openapi-python-client from PyPI, openapi-typescript
## and openapi-fetch from npm) in ~/.cache/tokenauth-clients: the generated
## clients test makes a round trip with each against a live server.
clients:
	@if command -v python3 >/dev/null && command -v npm >/dev/null; then bash clients/install.sh; \
	else echo "make: the generated clients test will be skipped: it needs python3 (with venv) and Node.js 20 with npm" >&2; fi

test: deps architecture browser redis nginx smtp webhooks pyjwt django clients
	@url=$$($(MAKE) -s test-postgres | tail -1) && \
	echo "tests: PostgreSQL at $$url" && \
	TEST_DATABASE_URL="$$url" $(CARGO) test --workspace --all-targets && \
	echo "tests: the HTTP suite on PostgreSQL again, with no verified tokens kept" && \
	TEST_DATABASE_URL="$$url" TOKENAUTH__DATABASE__VERIFIED_TOKENS=0 $(CARGO) test -p tokenauth --test api postgres::

FUZZ_EXAMPLES ?= 100
FUZZ_SECONDS ?= 60

## schemathesis against the live API (from PyPI, installed when missing), then
## the cargo-fuzz targets for a bounded time where the toolchain allows.
fuzz: deps
	bash fuzz/schemathesis.sh $(FUZZ_EXAMPLES)
	bash fuzz/cargo-fuzz.sh $(FUZZ_SECONDS)

## criterion micro-benchmarks of the hot path: header parsing, digest, the
## token lookup on each backend.
bench-micro: deps
	@url=$$($(MAKE) -s test-postgres | tail -1) && TEST_DATABASE_URL="$$url" \
		$(CARGO) bench -p tokenauth-adapters-http -p tokenauth-adapters-db

## Load benchmarks on SQLite and PostgreSQL; writes BENCHMARKS.md.
bench: deps nginx
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ echo "make: installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
		  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }; } || \
		{ echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; }
	@url=$$($(MAKE) -s test-postgres | tail -1) && TEST_DATABASE_URL="$$url" python3 bench/run.py $(BENCH_ARGS)
