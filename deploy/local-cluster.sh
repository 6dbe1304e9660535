#!/usr/bin/env bash
# local-cluster.sh: start a 3-node Cairn cluster on loopback, for trying Cairn
# without containers (`make cluster`). Ctrl-C stops all three nodes gracefully.
#
# Every node is a `cairn server` process on 127.0.0.1 with its own ports and its
# data under $CLUSTER_DIR/nodeN. Node N (1, 2, 3) uses five consecutive ports from
# BASE + 10*(N-1), by default:
#
#   node  S3    admin  gossip  raft  rpc
#   n1    9000  9001   9002    9003  9004
#   n2    9010  9011   9012    9013  9014
#   n3    9020  9021   9022    9023  9024
#
# Generated once and kept (mode 600) in $CLUSTER_DIR, so that a restart finds the
# same cluster:
#   secret            the cluster secret (CAIRN_CLUSTER_SECRET), shared by the nodes
#   root-credentials  the root access key and secret key, given to every node as
#                     CAIRN_ROOT_ACCESS_KEY and CAIRN_ROOT_SECRET_KEY and printed at
#                     start; the file exports them as AWS_ACCESS_KEY_ID and
#                     AWS_SECRET_ACCESS_KEY, so `source` it to use the aws cli
# Remove $CLUSTER_DIR to start over with an empty cluster.
#
# Environment (all optional):
#   CAIRN_BIN          the cairn binary (default bin/cairn, built when missing)
#   CLUSTER_DIR        data directory of the cluster (default ./data/cluster)
#   CLUSTER_BASE_PORT  first port of node 1 (default 9000)
#   CLUSTER_LOG_LEVEL  the nodes' --log-level (default info); logs go to
#                      $CLUSTER_DIR/nN.log
#
# Once every node answers /health/ready, the script writes the S3 endpoints,
# comma-separated, to $CLUSTER_DIR/endpoints (removed again when it stops), so that
# another script can start it in the background and wait for that file.
set -euo pipefail

cd "$(dirname "$0")/.."

CAIRN_BIN=${CAIRN_BIN:-bin/cairn}
DIR=${CLUSTER_DIR:-./data/cluster}
BASE=${CLUSTER_BASE_PORT:-9000}
LOG_LEVEL=${CLUSTER_LOG_LEVEL:-info}
NODES=3
READY_TIMEOUT=60 # seconds for all nodes to become ready

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

if [[ ! -x $CAIRN_BIN ]]; then
	log "building $CAIRN_BIN"
	go build -o "$CAIRN_BIN" ./cmd/cairn
fi

mkdir -p "$DIR"
chmod 700 "$DIR"

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# The secrets are created with a umask that makes them mode 600 from the start.
if [[ ! -s $DIR/secret ]]; then
	(umask 077 && random_hex 32 >"$DIR/secret")
	log "generated a cluster secret in $DIR/secret"
fi
if [[ ! -s $DIR/root-credentials ]]; then
	(umask 077 && cat >"$DIR/root-credentials" <<EOF)
# Root credentials of the local cluster of deploy/local-cluster.sh, for S3 clients
# and cairn admin: source this file.
export AWS_ACCESS_KEY_ID=CAIRN$(random_hex 8 | tr 'a-f' 'A-F')
export AWS_SECRET_ACCESS_KEY=$(random_hex 20)
export AWS_DEFAULT_REGION=us-east-1
EOF
	log "generated root credentials in $DIR/root-credentials"
fi
chmod 600 "$DIR/secret" "$DIR/root-credentials"
CAIRN_CLUSTER_SECRET=$(<"$DIR/secret")
ROOT_ACCESS_KEY=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$DIR/root-credentials")
ROOT_SECRET_KEY=$(sed -n 's/^export AWS_SECRET_ACCESS_KEY=//p' "$DIR/root-credentials")
[[ -n $ROOT_ACCESS_KEY && -n $ROOT_SECRET_KEY ]] || die "$DIR/root-credentials is damaged; remove it (and the cluster's data) to start over"

port() { echo $((BASE + 10 * ($1 - 1) + $2)); } # port NODE OFFSET
# Offsets within a node's block of ports.
S3=0 ADMIN=1 GOSSIP=2 RAFT=3 RPC=4

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for i in $(seq $NODES); do
	for off in $S3 $ADMIN $GOSSIP $RAFT $RPC; do
		p=$(port "$i" "$off")
		if port_busy "$p"; then
			die "port $p is in use (is a cluster already running?); stop it, or set CLUSTER_BASE_PORT"
		fi
	done
done

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

pids=()
stopping=""
stop_all() {
	[[ -n $stopping ]] && return
	stopping=1
	rm -f "$DIR/endpoints"
	if ((${#pids[@]} > 0)); then
		log "stopping the nodes"
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
		log "stopped; the data stays in $DIR"
	fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for i in $(seq $NODES); do
	join=()
	for j in $(seq $NODES); do
		[[ $j == "$i" ]] || join+=("127.0.0.1:$(port "$j" $GOSSIP)")
	done
	join_list=$(
		IFS=,
		echo "${join[*]}"
	)
	# The secrets reach the node through its environment only: flags show in ps.
	CAIRN_CLUSTER_SECRET=$CAIRN_CLUSTER_SECRET \
		CAIRN_ROOT_ACCESS_KEY=$ROOT_ACCESS_KEY CAIRN_ROOT_SECRET_KEY=$ROOT_SECRET_KEY \
		"$CAIRN_BIN" server \
		--node-id "n$i" \
		--data "$DIR/n$i" \
		--s3-addr "127.0.0.1:$(port "$i" $S3)" \
		--admin-addr "127.0.0.1:$(port "$i" $ADMIN)" \
		--gossip-addr "127.0.0.1:$(port "$i" $GOSSIP)" \
		--raft-addr "127.0.0.1:$(port "$i" $RAFT)" \
		--rpc-addr "127.0.0.1:$(port "$i" $RPC)" \
		--join "$join_list" \
		--bootstrap-expect $NODES \
		--log-level "$LOG_LEVEL" \
		>>"$DIR/n$i.log" 2>&1 &
	pids+=($!)
done
log "started ${#pids[@]} nodes (pids ${pids[*]}), logs in $DIR/n1.log … n$NODES.log; waiting until they are ready"

deadline=$((SECONDS + READY_TIMEOUT))
for i in $(seq $NODES); do
	until http_ok "http://127.0.0.1:$(port "$i" $ADMIN)/health/ready"; do
		if ! kill -0 "${pids[i - 1]}" 2>/dev/null; then
			tail -n 30 "$DIR/n$i.log" >&2
			die "node n$i exited before it was ready (log above, in $DIR/n$i.log)"
		fi
		if ((SECONDS > deadline)); then
			tail -n 30 "$DIR/n$i.log" >&2
			die "node n$i was not ready within ${READY_TIMEOUT}s (log above)"
		fi
		sleep 0.2 # polling
	done
done

endpoints=()
cat <<EOF

Cairn: a 3-node cluster is running on 127.0.0.1 (data in $DIR).

  node  S3 endpoint              admin endpoint
EOF
for i in $(seq $NODES); do
	printf '  n%d    %-24s %s\n' "$i" "http://127.0.0.1:$(port "$i" $S3)" "http://127.0.0.1:$(port "$i" $ADMIN)"
	endpoints+=("http://127.0.0.1:$(port "$i" $S3)")
done
cat <<EOF

  Root credentials (kept in $DIR/root-credentials):
    Access key: $ROOT_ACCESS_KEY
    Secret key: $ROOT_SECRET_KEY

  Try it (any node serves every request):
    source $DIR/root-credentials
    aws --endpoint-url http://127.0.0.1:$(port 1 $S3) s3 mb s3://demo
    aws --endpoint-url http://127.0.0.1:$(port 2 $S3) s3 cp ./README.md s3://demo/
    aws --endpoint-url http://127.0.0.1:$(port 3 $S3) s3 ls s3://demo/
    $CAIRN_BIN admin --endpoint http://127.0.0.1:$(port 1 $ADMIN) nodes

Press Ctrl-C to stop the cluster.
EOF
(
	IFS=,
	echo "${endpoints[*]}"
) >"$DIR/endpoints"

# Run until interrupted; a node that exits on its own is reported, the others go on
# (stop one by hand to watch the cluster cope: kill the pid printed above).
remaining=${#pids[@]}
while ((remaining > 0)); do
	if wait -n "${pids[@]}" 2>/dev/null; then
		status=0
	else
		status=$?
	fi
	remaining=0
	for i in $(seq $NODES); do
		if kill -0 "${pids[i - 1]}" 2>/dev/null; then
			remaining=$((remaining + 1))
		fi
	done
	if ((remaining > 0)); then
		log "a node exited (status $status); $remaining still running"
	fi
done
log "all nodes have stopped"
