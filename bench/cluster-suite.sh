#!/usr/bin/env bash
# cluster-suite.sh: PUT and GET throughput of a 3-node cluster against a single node,
# on this machine, with `cairn bench`. The figures go in docs/benchmarks.md, section
# "Cluster" (by hand: the script prints a Markdown table and does not edit the file).
#
# Starts a fresh single node and a fresh 3-node cluster (deploy/local-cluster.sh,
# loopback, data in a temporary directory), both on random free ports, and runs the
# same workloads against each: against the cluster, requests go round robin over the
# three nodes' S3 endpoints. Both setups run on the same machine, so on a small
# machine the cluster's figures measure the cost of replication (three copies, quorum
# round trips), not scale-out.
#
# Environment (all optional):
#   CAIRN_BIN          the cairn binary (default bin/cairn, built when missing)
#   BENCH_DURATION     measured length of each run (default 15s)
#   BENCH_CONCURRENCY  requests in flight for small objects (default 16)
set -euo pipefail

cd "$(dirname "$0")/.."

CAIRN_BIN=${CAIRN_BIN:-bin/cairn}
DURATION=${BENCH_DURATION:-15s}
CONC=${BENCH_CONCURRENCY:-16}

log() { printf 'cluster-suite: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

command -v jq >/dev/null || die "jq is needed to read the results"
command -v curl >/dev/null || die "curl is needed to wait for the nodes"
if [[ ! -x $CAIRN_BIN ]]; then
	log "building $CAIRN_BIN"
	go build -o "$CAIRN_BIN" ./cmd/cairn
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cluster-bench.XXXXXX")
single_pid=""
cluster_pid=""
cleanup() {
	for pid in $single_pid $cluster_pid; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# A single node, as bench/run-suite.sh starts it.
s3_port="" admin_port=""
for _ in $(seq 100); do
	p=$((20000 + RANDOM % 5000))
	if port_free "$p" && port_free $((p + 1)); then
		s3_port=$p admin_port=$((p + 1))
		break
	fi
done
[[ -n $s3_port ]] || die "no free ports for the single node"
access_key=BENCH$(random_hex 8 | tr 'a-f' 'A-F')
secret_key=$(random_hex 20)
log "starting a single node on 127.0.0.1:$s3_port"
CAIRN_ROOT_ACCESS_KEY=$access_key CAIRN_ROOT_SECRET_KEY=$secret_key \
	"$CAIRN_BIN" server --data "$work/single" --node-id single \
	--s3-addr "127.0.0.1:$s3_port" --admin-addr "127.0.0.1:$admin_port" \
	--log-level warn >"$work/single.log" 2>&1 &
single_pid=$!
for _ in $(seq 300); do
	curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/health/ready" 2>/dev/null && break
	kill -0 "$single_pid" 2>/dev/null || {
		cat "$work/single.log" >&2
		die "the single node exited"
	}
	sleep 0.2 # polling
done

# The cluster, by deploy/local-cluster.sh, on fifteen consecutive free ports.
base=""
for _ in $(seq 100); do
	b=$((25000 + RANDOM % 6000))
	ok=1
	for off in $(seq 0 24); do port_free $((b + off)) || ok=""; done
	if [[ -n $ok ]]; then
		base=$b
		break
	fi
done
[[ -n $base ]] || die "no free ports for the cluster"
log "starting a 3-node cluster on 127.0.0.1:$base…"
CAIRN_BIN=$CAIRN_BIN CLUSTER_DIR=$work/cluster CLUSTER_BASE_PORT=$base CLUSTER_LOG_LEVEL=warn \
	bash deploy/local-cluster.sh >"$work/cluster.out" 2>&1 &
cluster_pid=$!
for _ in $(seq 600); do
	[[ -s $work/cluster/endpoints ]] && break
	kill -0 "$cluster_pid" 2>/dev/null || {
		cat "$work/cluster.out" >&2
		die "the cluster did not start"
	}
	sleep 0.2 # polling
done
[[ -s $work/cluster/endpoints ]] || die "the cluster was not ready in time"
cluster_endpoints=$(<"$work/cluster/endpoints")
cluster_access=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$work/cluster/root-credentials")
cluster_secret=$(sed -n 's/^export AWS_SECRET_ACCESS_KEY=//p' "$work/cluster/root-credentials")

status=0
rows=()
# bench SETUP ENDPOINTS ACCESS SECRET WORKLOAD ARGS...: one run; appends a table row.
bench() {
	local setup=$1 endpoints=$2 access=$3 secret=$4
	shift 4
	local json=$work/$RANDOM.json
	log "$setup: cairn bench $*"
	if ! CAIRN_ACCESS_KEY=$access CAIRN_SECRET_KEY=$secret \
		"$CAIRN_BIN" bench "$@" --endpoints "$endpoints" --json "$json" >/dev/null; then
		status=1
	fi
	if [[ -s $json ]]; then
		rows+=("$(jq -r --arg setup "$setup" --arg cmd "$*" '
			.targets[0].ops[0] as $t |
			"| \($cmd) | \($setup) | \($t.ops_per_sec | floor) | \($t.mib_per_sec * 10 | floor / 10) | \($t.latency.p50_ns / 1e6 * 10 | floor / 10) | \($t.latency.p99_ns / 1e6 * 10 | floor / 10) | \($t.failed) |"
		' "$json")")
	else
		rows+=("| $* | $setup | FAILED | | | | |")
	fi
}

for workload in \
	"put --size 4KiB --concurrency $CONC --duration $DURATION" \
	"get --size 4KiB --objects 2500 --concurrency $CONC --duration $DURATION" \
	"put --size 4MiB --concurrency 8 --duration $DURATION" \
	"get --size 4MiB --objects 64 --concurrency 8 --duration $DURATION"; do
	# shellcheck disable=SC2086
	bench "1 node" "http://127.0.0.1:$s3_port" "$access_key" "$secret_key" $workload
	# shellcheck disable=SC2086
	bench "3 nodes" "$cluster_endpoints" "$cluster_access" "$cluster_secret" $workload
done

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
echo
echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); Cairn $("$CAIRN_BIN" version 2>/dev/null | awk '{print $2}'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- Machine: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs${cpu:+ ($cpu)}; client and every node on it, over loopback"
echo
echo "| workload (\`cairn bench …\`) | setup | ops/s | MiB/s | p50 ms | p99 ms | failed |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
exit "$status"
