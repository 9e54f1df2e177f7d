# wasmta — build, run, test, benchmark.
#
#   make run      build and start wasmta with its embedded defaults
#                 (make run CONFIG=wasmta.toml to use a file)
#   make test     install missing Debian packages, go vet, go test
#   make bench    the benchmark suite (docs/benchmarks.md), then every Go benchmark
#   make bench-quick  the suite's reduced form (about three minutes)
#   make bench-scale  a real million queued: memory, restart, drain (up to an hour)
#   make lint     gofmt, go mod tidy -diff, go vet, staticcheck
#   make wasm     rebuild the committed .wasm test fixtures
#   make demo     two tenants, simulated providers, live shaping summary (~1.5 min)
#   make install  binary, systemd unit, sysusers entry, default config, man page,
#                 bash completion, spool dir (PREFIX=/usr/local, DESTDIR=)
#   make deb      the .deb, built with nfpm (bin/wasmta_VERSION_ARCH.deb)
#   make check-deb  make deb, then its contents and lintian (scripts/check-deb.sh)

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
CONFIG      ?=
BENCHTIME   ?= 1s
# RSA DKIM signatures through OpenSSL cost a third of crypto/rsa's
# (docs/RATIONALE.md, "RSA signing"): on when cgo and libssl-dev are there,
# else the pure-Go build. make build TAGS= forces the pure-Go one.
TAGS        ?= $(shell [ -f /usr/include/openssl/evp.h ] && [ "$$($(GO) env CGO_ENABLED)" = 1 ] && echo openssl)
# The version stamped into the binary (wasmta version, User-Agent, the
# wasmta_build_info metric).
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     = -X main.version=$(VERSION)

# The Go SDK is a module of its own (no dependencies; policy authors
# require it alone, docs/policies.md): ./... of the main module skips it.
SDK_GO      = sdk/go
# Packages with Go benchmarks, found rather than listed so a new one is run.
BENCH_PKGS = $(shell grep -rl --include='*_test.go' '^func Benchmark' . | grep -v -e '^./$(SDK_GO)/' -e '^./docs/' | xargs -r -n1 dirname | sort -u)
# Directories of wasm fixtures with their own Makefile (owned by their packages).
WASM_DIRS  = $(patsubst %/Makefile,%,$(wildcard testdata/wat/Makefile hostabi/testdata/guard/Makefile))

# make install: where things go. The unit, sysusers entry and config
# name $(BINDIR) and $(SYSCONFDIR); the spool is /var/lib/wasmta (the
# unit's StateDirectory).
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
SYSCONFDIR  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR      ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
SPOOLDIR    ?= /var/lib/wasmta

.PHONY: all build run test bench bench-quick bench-scale lint wasm demo clean print-version install uninstall deb check-deb

all: build

build:
	$(GO) build -tags '$(TAGS)' -ldflags "$(LDFLAGS)" -o bin/wasmta ./cmd/wasmta
	@if [ -d cmd/provider-sim ]; then echo "$(GO) build -o bin/provider-sim ./cmd/provider-sim"; \
		$(GO) build -o bin/provider-sim ./cmd/provider-sim; fi

run: build
	./bin/wasmta serve $(if $(CONFIG),--config $(CONFIG))

test:
	scripts/install-deps.sh
	$(GO) vet ./...
	cd $(SDK_GO) && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...
	$(GO) test ./... -count=1 -timeout 9m
	$(GO) vet -tags openssl ./mta/dkim && $(GO) test -tags openssl -count=1 ./mta/dkim
	cd $(SDK_GO) && $(GO) test ./... -count=1
	GO=$(GO) scripts/check-deb.sh

# The benchmark suite (bench/, docs/benchmarks.md): wasmta against Postfix
# and the smtp-source → smtp-sink limit, then every package's Go benchmarks.
bench:
	scripts/bench-e2e.sh
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count=1 $(BENCH_PKGS)

# 1,000,000 messages queued, not an extrapolation (issue 20): resident
# memory, restart-to-ready and drain; up to an hour, so not in make bench.
# Results in bin/bench-scale/ (docs/ is left alone).
bench-scale:
	scripts/bench-e2e.sh --scenarios backlog --backlog 1000000 --repeats 1 --out bin/bench-scale

# The suite's reduced form (about three minutes; results in bin/bench-quick/).
bench-quick:
	QUICK=1 scripts/bench-e2e.sh

lint:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	@for m in . $(SDK_GO); do (cd $$m && $(GO) mod tidy -diff) || \
		{ echo "$$m: go.mod/go.sum are not tidy: run go mod tidy there"; exit 1; }; done
	$(GO) vet ./...
	cd $(SDK_GO) && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	cd $(SDK_GO) && $(GO) run $(STATICCHECK) ./...

wasm:
	@if [ -z "$(WASM_DIRS)" ]; then echo "no wasm fixture directory with a Makefile yet"; fi
	@for d in $(WASM_DIRS); do $(MAKE) -C $$d || exit 1; done

# docs/shaping.md, "Reading the demo", explains what it shows.
demo:
	$(GO) run ./cmd/wasmta-demo $(DEMO_FLAGS)

print-version:
	@echo $(VERSION)

# Files only, into $(DESTDIR); on a real install (no DESTDIR) as root it
# also creates the wasmta user, gives it the spool and reloads systemd.
# An existing configuration is never overwritten.
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(SYSCONFDIR)/wasmta $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR)
	install -d -m 0750 $(DESTDIR)$(SPOOLDIR)
	install -m 0755 bin/wasmta $(DESTDIR)$(BINDIR)/wasmta
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/wasmta.service.in \
		> $(DESTDIR)$(UNITDIR)/wasmta.service
	install -m 0644 packaging/wasmta.sysusers $(DESTDIR)$(SYSUSERSDIR)/wasmta.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/wasmta/wasmta.toml ] || \
		install -m 0644 packaging/wasmta.toml $(DESTDIR)$(SYSCONFDIR)/wasmta/wasmta.toml
	bin/wasmta man | gzip -n9 > $(DESTDIR)$(MANDIR)/man8/wasmta.8.gz
	bin/wasmta completion bash > $(DESTDIR)$(COMPLETIONDIR)/wasmta
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/wasmta.conf && chown wasmta:wasmta $(SPOOLDIR); \
		[ -d /run/systemd/system ] && systemctl daemon-reload || true; \
		echo "installed; start with: systemctl enable --now wasmta"; fi

# The spool ($(SPOOLDIR)) and configuration are left: they hold mail and
# the operator's settings.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wasmta $(DESTDIR)$(UNITDIR)/wasmta.service $(DESTDIR)$(SYSUSERSDIR)/wasmta.conf \
		$(DESTDIR)$(MANDIR)/man8/wasmta.8.gz $(DESTDIR)$(COMPLETIONDIR)/wasmta

# nfpm is built from the Go module proxy at the version scripts/package-deb.sh
# pins (NFPM=path/to/nfpm to use one already built).
deb:
	GO=$(GO) scripts/package-deb.sh

# Also the last step of make test (about 25 s on 2 idle cores).
check-deb:
	GO=$(GO) scripts/check-deb.sh

# The spool (./data by default) is kept: it holds queued mail.
clean:
	rm -rf bin
