#!/usr/bin/env bash
# run-suite.sh: the standard short benchmark suite behind `make bench`.
#
# Starts a fresh local node (random root credentials, data in a temporary
# directory, loopback ports), runs the suite with `cairn bench`, writes the
# tables and the commands used into docs/benchmarks.md between the markers
# <!-- bench:begin --> and <!-- bench:end --> (creating the file, or the markers,
# when absent; everything outside the markers is preserved), and stops the node.
#
# Environment (all optional):
#   CAIRN_BIN           the cairn binary (default bin/cairn, built when missing)
#   BENCH_OUT           the Markdown file to update (default docs/benchmarks.md)
#   BENCH_DURATION      measured length of each run (default 15s)
#   BENCH_CONCURRENCY   requests in flight for small objects (default 16)
#   BENCH_LIST_OBJECTS  objects prepared for the list run (default 100000)
#   BENCH_ENDPOINTS     measure these endpoints (comma-separated) instead of
#                       starting a node; credentials as for `cairn bench`
#                       (CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY, AWS_PROFILE, ...)
#
# Exits non-zero when any run failed or reported errors; the tables are written
# all the same, errors included.
set -euo pipefail

cd "$(dirname "$0")/.."

CAIRN_BIN=${CAIRN_BIN:-bin/cairn}
BENCH_OUT=${BENCH_OUT:-docs/benchmarks.md}
DURATION=${BENCH_DURATION:-15s}
CONC=${BENCH_CONCURRENCY:-16}
LIST_OBJECTS=${BENCH_LIST_OBJECTS:-100000}

log() { printf '%s\n' "run-suite: $*" >&2; }
die() {
	log "$*"
	exit 1
}

if [[ ! -x $CAIRN_BIN ]]; then
	log "building $CAIRN_BIN"
	go build -o "$CAIRN_BIN" ./cmd/cairn
fi
"$CAIRN_BIN" bench --help >/dev/null 2>&1 || die "$CAIRN_BIN has no bench command (is it wired into cmd/cairn?)"

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# http_ok reports whether GET $1 answers 200.
http_ok() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null "$1" 2>/dev/null
		return
	fi
	local hostport=${1#http://}
	hostport=${hostport%%/*}
	local path=/${1#http://*/}
	exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3
	local status
	read -r _ status _ <&3 || true
	exec 3<&-
	[[ $status == 200 ]]
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

setup_desc=""
if [[ -n ${BENCH_ENDPOINTS:-} ]]; then
	endpoints=$BENCH_ENDPOINTS
	setup_desc="existing endpoints ($endpoints)"
else
	s3_port=$(free_port)
	admin_port=$(free_port)
	while [[ $admin_port == "$s3_port" ]]; do admin_port=$(free_port); done
	access_key=BENCH$(random_hex 8 | tr 'a-f' 'A-F')
	secret_key=$(random_hex 20)
	log "starting a node on 127.0.0.1:$s3_port (admin $admin_port), data in $work/data"
	CAIRN_ROOT_ACCESS_KEY=$access_key CAIRN_ROOT_SECRET_KEY=$secret_key \
		"$CAIRN_BIN" server --data "$work/data" \
		--s3-addr "127.0.0.1:$s3_port" --admin-addr "127.0.0.1:$admin_port" \
		--log-level warn >"$work/server.log" 2>&1 &
	server_pid=$!
	ready=""
	for _ in $(seq 120); do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			cat "$work/server.log" >&2
			die "the node exited before it was ready"
		fi
		if http_ok "http://127.0.0.1:$admin_port/health/ready"; then
			ready=1
			break
		fi
		sleep 0.5
	done
	[[ -n $ready ]] || {
		cat "$work/server.log" >&2
		die "the node was not ready after 60s"
	}
	endpoints=http://127.0.0.1:$s3_port
	# Credentials go through the environment, so they never show in the commands.
	export CAIRN_ACCESS_KEY=$access_key CAIRN_SECRET_KEY=$secret_key
	data_fs=$(df -h "$work" 2>/dev/null | awk 'NR==2 {print $1 ", " $2}') || true
	setup_desc="one fresh local node (\`cairn server\`, data in a temporary directory on ${data_fs:-?}), client on the same machine over loopback"
fi

status=0
n=0
# run NAME ARGS...: one benchmark; its Markdown section goes to $work/NN.md.
run() {
	n=$((n + 1))
	local md
	md=$(printf '%s/%02d.md' "$work" "$n")
	log "[$n] cairn bench $*"
	if ! "$CAIRN_BIN" bench "$@" --endpoints "$endpoints" --markdown "$md"; then
		status=1
		if [[ ! -s $md ]]; then
			printf '### %s\n\n```\ncairn bench %s\n```\n\n- FAILED: no result (see the output of make bench)\n\n' "$1" "$*" >"$md"
		fi
	fi
}

run put --size 4KiB --concurrency "$CONC" --duration "$DURATION"
run get --size 4KiB --objects 2500 --concurrency "$CONC" --duration "$DURATION"
run stat --size 4KiB --objects 2500 --concurrency "$CONC" --duration "$DURATION"
run put --size 16MiB --concurrency 8 --duration "$DURATION"
run get --size 16MiB --objects 64 --concurrency 8 --duration "$DURATION"
run mixed --size 1MiB --objects 1000 --concurrency "$CONC" --duration "$DURATION"
run list --size 1KiB --objects "$LIST_OBJECTS" --prepare-concurrency 64 --concurrency 8 --duration "$DURATION"

# Assemble the section.
section=$work/section.md
{
	echo "<!-- bench:begin -->"
	echo "<!-- Generated by bench/run-suite.sh (make bench); edits inside these markers are overwritten. -->"
	echo
	echo "## Latest results"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Cairn: $("$CAIRN_BIN" version 2>/dev/null || echo unknown), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
	echo "- Machine: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs${cpu:+ ($cpu)}"
	echo "- Setup: $setup_desc"
	echo "- Figures are defined in [bench.md](bench.md#definitions): ops/s and MiB/s over the measured window only, latency from request to last byte, TTFB to first byte."
	echo
	for f in "$work"/[0-9][0-9].md; do
		cat "$f"
	done
	echo "<!-- bench:end -->"
} >"$section"

mkdir -p "$(dirname "$BENCH_OUT")"
if [[ ! -f $BENCH_OUT ]]; then
	cat >"$BENCH_OUT" <<'EOF'
# Benchmarks

Results of `make bench`: the standard short suite (small objects of 4 KiB, large
objects of 16 MiB, a warp-style mixed load, listing over 100k objects) run with
`cairn bench` against a fresh local node. How to run the harness yourself, and
how each figure is defined, is in [bench.md](bench.md).

EOF
fi
if grep -q '<!-- bench:begin -->' "$BENCH_OUT" && grep -q '<!-- bench:end -->' "$BENCH_OUT"; then
	awk -v section="$section" '
		/<!-- bench:begin -->/ { while ((getline line < section) > 0) print line; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0; next }
		!skip { print }
	' "$BENCH_OUT" >"$work/out.md"
else
	{
		cat "$BENCH_OUT"
		echo
		cat "$section"
	} >"$work/out.md"
fi
cp "$work/out.md" "$BENCH_OUT"
log "wrote $BENCH_OUT"
if [[ $status -ne 0 ]]; then
	log "some runs failed or had errors; see above"
fi
exit "$status"
