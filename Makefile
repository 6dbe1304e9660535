# Cairn build, run and test targets. `make run` and `make test` work on a fresh machine
# with Go installed; `.ci/run` installs the rest (aws cli, boto3) and calls `make test`.

GO       ?= go
BIN      := bin/cairn
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: build run cluster test test-go test-clients vet fmt bench clean image lb-image compose-env compose-up compose-down compose-add-node compose-site-b-up compose-site-b-down test-compose test-deploy test-helm test-monitoring test-systemd test-reclaim test-soak test-backfill

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cairn

# Start one node with its data under ./data, S3 on 127.0.0.1:9000 and admin on :9001;
# move it with e.g. `make run S3_ADDR=127.0.0.1:9100 ADMIN_ADDR=127.0.0.1:9101 DATA=./data2`.
S3_ADDR    ?= 127.0.0.1:9000
ADMIN_ADDR ?= 127.0.0.1:9001
DATA       ?= ./data
run: build
	$(BIN) server --data $(DATA) --s3-addr $(S3_ADDR) --admin-addr $(ADMIN_ADDR)

# Start a 3-node cluster on loopback (S3 on 127.0.0.1:9000, :9010, :9020; data under
# ./data/cluster); Ctrl-C stops it. See deploy/local-cluster.sh.
cluster: build
	bash deploy/local-cluster.sh

# Every test: vet, the Go unit and integration tests, then the aws cli and boto3 tests,
# then the deployment tests when a Docker Engine answers (skipped, saying so, if not).
# The Helm chart's check (test-helm) is apart: it first builds helm from source, which
# takes 10 to 20 minutes on 2 cores; .ci/run runs it after make test.
test: vet test-go test-clients test-deploy test-monitoring test-systemd

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

# gofmt every Go file in the repository.
fmt:
	gofmt -w $$(git ls-files '*.go')

test-go:
	$(GO) test -count=1 -timeout 12m ./...

# 500 MiB written into a 3-node in-process cluster through S3, half deleted by
# clients and half removed by lifecycle rules: every node's block bytes must come back
# to their baseline within the collector's bound.
# About a minute on 2 cores; make test runs the same test with 32 MiB.
test-reclaim:
	CAIRN_RECLAIM_MIB=500 $(GO) test -count=1 -timeout 10m -run TestDeletedSpaceIsReclaimed -v ./tests/cluster/

# The bidirectional site sync soaks longer than in make test, in process
# (replication/soak_test.go) and with the nodes as processes killed with SIGKILL
# (replication/soak_process_test.go): SEEDS seeds (default 1 to 8), each with
# SOAK_SECONDS of workload (default 60) under node kills and link cuts. A failure
# prints its seed; CAIRN_SOAK_SEED=N reruns it.
SEEDS        ?= 1 2 3 4 5 6 7 8
SOAK_SECONDS ?= 60
test-soak:
	@for s in $(SEEDS); do \
		echo "seed $$s"; \
		CAIRN_SOAK_SEED=$$s CAIRN_SOAK_SECONDS=$(SOAK_SECONDS) $(GO) test -count=1 -timeout 20m -run 'TestBidirectionalSoak(Processes)?$$' ./replication/ || exit 1; \
	done

# Site sync's mode-all backfill of 10,000 objects from a 3-node cluster to a single
# node, the backfilling node killed midway (make test runs it with 200); logs the rate.
test-backfill:
	CAIRN_BACKFILL_OBJECTS=10000 $(GO) test -count=1 -timeout 20m -v -run TestOneWayAllBackfillResumesAfterTheBackfillerDies ./replication/

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

# The container image cairn:$(VERSION), also tagged cairn:latest: a static binary built
# here (CGO off) copied into an empty base with CA certificates and a non-root user.
# Needs a Docker Engine, no registry. See docs/deployment.md.
IMAGE ?= cairn
image:
	VERSION=$(VERSION) GO=$(GO) bash deploy/docker/stage.sh
	docker build -q --build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
		-t $(IMAGE):$(VERSION) -t $(IMAGE):latest .
	@docker image inspect $(IMAGE):latest --format '$(IMAGE):$(VERSION) {{.Size}} bytes'

# The compose cluster's load balancer: Debian's HAProxy (apt-get install haproxy) in a
# local image, cairn-lb:latest.
lb-image:
	bash deploy/compose/lb/stage.sh
	docker build -q --build-arg HAPROXY_VERSION=$$(cat bin/docker-lb/version) \
		-t cairn-lb:latest -f deploy/compose/lb/Dockerfile bin/docker-lb

# deploy/compose/.env: a fresh cluster secret and root credentials (kept if it exists).
compose-env:
	bash deploy/compose/env.sh

# Three nodes behind HAProxy (deploy/compose); prints the endpoint and credentials.
compose-up: image lb-image compose-env
	bash deploy/compose/up.sh

# Stops and removes the containers and network; VOLUMES=1 also deletes the data.
compose-down:
	cd deploy/compose && docker-compose --profile scale down $(if $(VOLUMES),-v) --remove-orphans

# Adds the fourth node; it joins and the data rebalances on its own.
compose-add-node:
	bash deploy/compose/up.sh cairn4

# A separate single-node "site B" beside the cluster (S3 on 127.0.0.1:9100).
compose-site-b-up: image compose-env
	cd deploy/compose && docker-compose -p cairn-site-b -f site-b.yml up -d
compose-site-b-down:
	cd deploy/compose && docker-compose -p cairn-site-b -f site-b.yml down $(if $(VOLUMES),-v)

# The compose cluster, for real (tests/compose): images built here, three nodes behind
# HAProxy, clients through it while nodes are killed, cut off, restarted, replaced.
# About 6 minutes on 2 cores. Needs a Docker Engine, docker-compose, haproxy, aws cli, boto3.
test-compose: build image lb-image
	CAIRN_COMPOSE_TEST=1 $(GO) test -count=1 -v -timeout 30m -run TestCompose ./tests/compose

# helm v4 from the Go module proxy, built once into bin/ (10 to 20 minutes on 2 cores).
HELM_VERSION := v4.3.2
bin/helm:
	GOBIN=$(CURDIR)/bin $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)

# The Helm chart: helm lint, helm template with the defaults and with every option
# (and once with a bad imagePullPolicy, which must be refused), and the rendered
# manifests validated against the Kubernetes v1.37.2 OpenAPI v3
# schema (vendored under deploy/helm/validate/testdata) and decoded strictly into the
# Kubernetes API types (deploy/helm/validate, its own Go module). No Kubernetes
# cluster is involved.
test-helm: bin/helm
	bin/helm lint --strict deploy/helm/cairn
	bin/helm lint --strict deploy/helm/cairn --set serviceMonitor.enabled=true,zone=dc1
	bin/helm template cairn deploy/helm/cairn > bin/helm-default.yaml
	bin/helm template demo deploy/helm/cairn --namespace storage \
		--set serviceMonitor.enabled=true,zone=dc1,existingSecret=mine,replicas=5,antiAffinity.hosts=preferred \
		--set env.CAIRN_LOG_LEVEL=debug > bin/helm-options.yaml
	bin/helm template broken deploy/helm/cairn --set image.pullPolicy=Sometimes > bin/helm-broken.yaml
	cd deploy/helm/validate && CAIRN_MANIFESTS="$(CURDIR)/bin/helm-default.yaml $(CURDIR)/bin/helm-options.yaml" \
		CAIRN_BROKEN_MANIFESTS="$(CURDIR)/bin/helm-broken.yaml" $(GO) test -count=1 -v .

# The alert rules load and fire as meant (promtool, from Debian's prometheus package),
# and the dashboard and rules name only metrics a real cluster exports.
test-monitoring:
	cd deploy/prometheus && promtool check rules cairn-alerts.yml && promtool test rules cairn-alerts.test.yml
	$(GO) test -count=1 ./tests/monitoring

# The systemd unit passes systemd-analyze verify (with ExecStart pointed at bin/cairn);
# the example config's keys are checked against the flags by go test ./cmd/cairn.
test-systemd: build
	@if command -v systemd-analyze >/dev/null 2>&1; then \
		mkdir -p bin/systemd && sed 's#/usr/local/bin/cairn#$(CURDIR)/bin/cairn#' deploy/systemd/cairn.service > bin/systemd/cairn.service && \
		systemd-analyze verify bin/systemd/cairn.service && echo "cairn.service: ok"; \
	else echo "SKIP test-systemd: no systemd-analyze here"; fi

# test-compose if a Docker Engine answers, else a clear skip.
test-deploy:
	@if command -v docker >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		$(MAKE) test-compose; \
	else \
		echo "SKIP test-compose: no Docker Engine or docker-compose here (the deployment tests need both)"; \
	fi

clean:
	rm -rf bin
