# Cairn build, run and test targets. `make run` and `make test` work on a fresh machine
# with Go installed; `.ci/run` installs the rest (aws cli, boto3) and calls `make test`.

GO       ?= go
BIN      := bin/cairn
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: build run cluster test test-go test-clients vet fmt bench soak clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cairn

# Start one node with its data under ./data, S3 on 127.0.0.1:9000 and admin on :9001.
run: build
	$(BIN) server --data ./data --s3-addr 127.0.0.1:9000 --admin-addr 127.0.0.1:9001

# Start a 3-node cluster on loopback (S3 on 127.0.0.1:9000, :9010, :9020; data under
# ./data/cluster); Ctrl-C stops it. See deploy/local-cluster.sh.
cluster: build
	bash deploy/local-cluster.sh

# Every test: vet, the Go unit and integration tests, then the aws cli and boto3 tests.
test: vet test-go test-clients

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 12m ./...

# The installed aws cli and boto3, with their default settings, against a real node.
test-clients: build
	bash tests/clients/run.sh

# The standard suite against a fresh node (written into docs/benchmarks.md between the
# bench markers), then a fresh 3-node cluster against a fresh single node (written
# between the bench-cluster markers). About 12 minutes; needs curl and jq.
bench: build
	bash bench/run-suite.sh
	bash bench/cluster-suite.sh > bin/bench-cluster.md
	bash bench/write-section.sh bench-cluster docs/benchmarks.md bin/bench-cluster.md

clean:
	rm -rf bin
