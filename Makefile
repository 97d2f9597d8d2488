# mcpacket: the commands the README promises.

GO ?= go

.PHONY: all build install test example clients bench fuzz mcpb image snapshot

all: build

# The version stamped into the binary: the nearest tag, else the commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/mcpacket/mcpacket/internal/cli.buildVersion=$(VERSION)

# One static binary, no cgo.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o mcpacket ./cmd/mcpacket

# Install the static binary into $(go env GOPATH)/bin.
install:
	CGO_ENABLED=0 $(GO) install -ldflags "$(LDFLAGS)" ./cmd/mcpacket

# The main job on the bundled example capture.
example:
	$(GO) run ./cmd/mcpacket analyze dhcp examples/dhcp.pcap

# The pinned MCP clients (TypeScript SDK, MCP Inspector) the end-to-end tests drive.
clients:
	npm ci --prefix e2e --no-audit --no-fund --loglevel=error

# The whole test suite. tshark/capinfos (Debian package tshark) are test
# oracles; the tests that need them skip when they are absent. .ci/run installs them.
# The packages run with the race detector, except cmd/mcpacket, whose hostile
# capture test times every tool call against a 10 s bound that holds for the
# binary as built, not for a race-instrumented one. The race run makes each
# pass use 4 workers (MCPACKET_WORKERS, the default of --workers); the
# internal packages (every golden file and tshark agreement test) run again
# with 1, where one goroutine decodes and observes: the results must not
# depend on it. The state-budget worst cases of cmd/mcpacket run under a
# 64 MiB budget, then again under the default one (MCPACKET_BUDGET_STATE).
test: clients
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) vet ./...
	MCPACKET_WORKERS=4 $(GO) test -race -count=1 -timeout 40m $$($(GO) list ./... | grep -v '/cmd/mcpacket$$')
	MCPACKET_WORKERS=1 $(GO) test -count=1 -timeout 30m ./internal/...
	$(GO) test -count=1 -timeout 30m ./cmd/mcpacket
	MCPACKET_BUDGET_STATE=default $(GO) test -count=1 -timeout 30m -run 'Budget' ./cmd/mcpacket

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

# Release packaging (packaging/README.md). The MCP Bundle for Claude Desktop,
# dist/mcpacket-<version>.mcpb: five static binaries, a manifest generated
# from the binary, validated and packed by the pinned mcpb CLI (Node.js, npm).
mcpb:
	VERSION=$(VERSION) packaging/build-mcpb.sh

# The container image of ./Dockerfile, built and run with podman (Debian's).
image:
	VERSION=$(VERSION) packaging/container.sh

# Release archives and checksums for the five platforms, as a snapshot
# (goreleaser v2.15.1: go install github.com/goreleaser/goreleaser/v2@v2.15.1).
snapshot:
	goreleaser release --snapshot --clean --skip=publish
