#!/usr/bin/env bash
# Drives a real Cairn node with the installed aws cli and boto3, both with their
# default settings, as `make test-clients` (after `make build`).
#
# It starts bin/cairn on two free loopback ports with random root credentials in a
# temporary directory, waits for /health/ready, runs the aws cli checks below and then
# tests/clients/boto3_test.py. Every content check is by SHA-256. The server is stopped
# and the temporary directory removed on exit; on failure the server's log is printed.
# The last line of output is PASS or FAIL, and the exit status is non-zero on failure.
#
# With CAIRN_CLIENTS_ENDPOINT (an S3 URL) and CAIRN_CLIENTS_ACCESS_KEY and
# CAIRN_CLIENTS_SECRET_KEY set, it starts no server and runs the same checks against
# that endpoint instead (tests/compose runs them through the compose cluster's load
# balancer this way).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${CAIRN_BIN:-$ROOT/bin/cairn}"
READY_TIMEOUT=30 # seconds to wait for /health/ready

if [[ -z "${CAIRN_CLIENTS_ENDPOINT:-}" && ! -x "$BIN" ]]; then
	echo "no server binary at $BIN: run 'make build' first" >&2
	echo "FAIL"
	exit 1
fi

# Unicode file names need a UTF-8 locale, whatever the caller's is.
export LC_ALL=C.UTF-8 LANG=C.UTF-8 PYTHONUTF8=1 PYTHONIOENCODING=utf-8

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-clients.XXXXXX")"
SERVER_PID=""
FAILED=0

# cleanup stops the server (SIGTERM, then SIGKILL if it has not gone within 15 s),
# prints its log if anything failed, removes the temporary directory and prints the
# verdict as the last line.
cleanup() {
	local rc=$?
	set +e
	if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for _ in $(seq 1 150); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "server did not stop within 15 s of SIGTERM; killing it" >&2
			kill -KILL "$SERVER_PID" 2>/dev/null
		fi
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [[ $rc -ne 0 || $FAILED -ne 0 ]]; then
		if [[ -f "$WORK/server.log" ]]; then
			echo "----- server log (last 200 lines) -----"
			tail -n 200 "$WORK/server.log"
			echo "----- end of server log -----"
		fi
	fi
	rm -rf "$WORK"
	if [[ $rc -ne 0 || $FAILED -ne 0 ]]; then
		echo "FAIL"
		[[ $rc -ne 0 ]] || rc=1
	else
		echo "PASS"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${CAIRN_CLIENTS_ENDPOINT:-}" ]]; then
	ENDPOINT="$CAIRN_CLIENTS_ENDPOINT"
	ACCESS_KEY="${CAIRN_CLIENTS_ACCESS_KEY:?CAIRN_CLIENTS_ACCESS_KEY is needed with CAIRN_CLIENTS_ENDPOINT}"
	SECRET_KEY="${CAIRN_CLIENTS_SECRET_KEY:?CAIRN_CLIENTS_SECRET_KEY is needed with CAIRN_CLIENTS_ENDPOINT}"
	echo "using the running endpoint $ENDPOINT"
else
	# Two distinct free loopback ports, bound together so they differ.
	read -r S3_PORT ADMIN_PORT < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])
a.close(); b.close()')

	ACCESS_KEY="AK$(python3 -c 'import secrets; print(secrets.token_hex(9).upper())')"
	SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')"
	ENDPOINT="http://127.0.0.1:$S3_PORT"
	ADMIN="http://127.0.0.1:$ADMIN_PORT"

	mkdir -p "$WORK/data"
	CAIRN_ROOT_ACCESS_KEY="$ACCESS_KEY" CAIRN_ROOT_SECRET_KEY="$SECRET_KEY" \
		"$BIN" server --data "$WORK/data" --s3-addr "127.0.0.1:$S3_PORT" \
		--admin-addr "127.0.0.1:$ADMIN_PORT" --node-id n1 \
		--lifecycle-day 1s --lifecycle-interval 1s >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!

	deadline=$((SECONDS + READY_TIMEOUT))
	until curl -fsS -o /dev/null "$ADMIN/health/ready" 2>/dev/null; do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "server exited before it was ready" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "server not ready within ${READY_TIMEOUT}s" >&2
			exit 1
		fi
		sleep 0.2
	done
	echo "server ready: S3 $ENDPOINT, admin $ADMIN"
	# Lifecycle rules act within seconds on this server (the boto3 flow waits for them).
	export CAIRN_LIFECYCLE_DAY_SECONDS=1
fi

# The clients' default settings, untouched by this machine's configuration: empty
# config and credentials files, credentials and region from the environment only.
mkdir -p "$WORK/aws"
: >"$WORK/aws/config"
: >"$WORK/aws/credentials"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN \
	AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_REGION AWS_CA_BUNDLE \
	AWS_REQUEST_CHECKSUM_CALCULATION AWS_RESPONSE_CHECKSUM_VALIDATION \
	AWS_USE_DUALSTACK_ENDPOINT AWS_USE_FIPS_ENDPOINT AWS_MAX_ATTEMPTS AWS_RETRY_MODE
export AWS_CONFIG_FILE="$WORK/aws/config"
export AWS_SHARED_CREDENTIALS_FILE="$WORK/aws/credentials"
export AWS_ACCESS_KEY_ID="$ACCESS_KEY"
export AWS_SECRET_ACCESS_KEY="$SECRET_KEY"
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export CAIRN_S3_ENDPOINT="$ENDPOINT"

# botocore before 1.43.77 (boto/botocore#3755) stalls a pooled connection after a
# zero-length PUT sent with "Expect: 100-continue" that gets no interim response. The
# server answers such requests with 100 Continue at once (s3api/expect.go), so the
# clients run here with their default settings, unchanged.

BUCKET="cli-$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
S3="s3://$BUCKET"
BIG="$WORK/big.bin"
BIG_SIZE=$((64 << 20))

awscli() { aws --endpoint-url "$ENDPOINT" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# same_sha fails unless two files have the same SHA-256.
same_sha() {
	local a b
	a="$(sha "$1")"
	b="$(sha "$2")"
	if [[ "$a" != "$b" ]]; then
		echo "sha256 mismatch: $1 ($a) vs $2 ($b)" >&2
		return 1
	fi
}

# json_check evaluates a Python assertion on the JSON document in file $1, bound to d.
json_check() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
expr = sys.argv[2]
if not eval(expr, {"d": d}):
    sys.exit("assertion failed: %s\ndocument: %s" % (expr, json.dumps(d, indent=1)))
EOF
}

# ---- the checks, in order; each runs in a subshell with errexit --------------------

t_make_bucket() {
	awscli s3 mb "$S3"
	awscli s3api head-bucket --bucket "$BUCKET"
	awscli s3api list-buckets --output json >"$WORK/buckets.json"
	json_check "$WORK/buckets.json" "'$BUCKET' in [b['Name'] for b in d['Buckets']]"
}

t_multipart_upload() {
	head -c "$BIG_SIZE" /dev/urandom >"$BIG"
	awscli s3 cp "$BIG" "$S3/big.bin" --only-show-errors
	awscli s3api head-object --bucket "$BUCKET" --key big.bin --output json >"$WORK/head.json"
	json_check "$WORK/head.json" "d['ContentLength'] == $BIG_SIZE"
	# 64 MiB in the cli's default 8 MiB parts: a multipart ETag of 8 parts.
	json_check "$WORK/head.json" "d['ETag'].strip('\"').endswith('-8')"
	awscli s3 cp "$S3/big.bin" "$WORK/big.down" --only-show-errors
	same_sha "$BIG" "$WORK/big.down"
}

t_list_prefix_delimiter() {
	local k
	for k in dir/a.txt dir/b.txt dir/sub1/x.txt dir/sub1/deeper/y.txt dir/sub2/z.txt dirx/other.txt top.txt; do
		mkdir -p "$(dirname "$WORK/listing/$k")"
		printf 'a' >"$WORK/listing/$k"
	done
	awscli s3 cp "$WORK/listing" "$S3/" --recursive --only-show-errors
	# --no-paginate: the cli's paginator drops KeyCount, Delimiter and the like.
	awscli s3api list-objects-v2 --bucket "$BUCKET" --prefix dir/ --delimiter / --no-paginate \
		--output json >"$WORK/list.json"
	json_check "$WORK/list.json" "[p['Prefix'] for p in d['CommonPrefixes']] == ['dir/sub1/', 'dir/sub2/']"
	json_check "$WORK/list.json" "[o['Key'] for o in d['Contents']] == ['dir/a.txt', 'dir/b.txt']"
	json_check "$WORK/list.json" "all(o['Size'] == 1 for o in d['Contents'])"
	json_check "$WORK/list.json" "d['KeyCount'] == 4 and d['Prefix'] == 'dir/' and d['Delimiter'] == '/'"
	# The same through --query, as scripts use it.
	got="$(awscli s3api list-objects-v2 --bucket "$BUCKET" --prefix dir/ --delimiter / \
		--query 'CommonPrefixes[].Prefix' --output text)"
	[[ "$got" == $'dir/sub1/\tdir/sub2/' ]] || { echo "CommonPrefixes via --query: '$got'" >&2; return 1; }
	awscli s3 rm "$S3" --recursive --only-show-errors \
		--exclude '*' --include 'dir/*' --include 'dirx/*' --include top.txt
	awscli s3api list-objects-v2 --bucket "$BUCKET" --no-paginate --output json >"$WORK/left.json"
	json_check "$WORK/left.json" "not [o for o in d.get('Contents', []) if o['Key'].startswith(('dir/', 'dirx/', 'top.txt'))]"
}

t_ranged_get() {
	awscli s3api get-object --bucket "$BUCKET" --key big.bin --range bytes=100-1099 \
		"$WORK/range.out" --output json >"$WORK/range.json"
	json_check "$WORK/range.json" "d['ContentLength'] == 1000"
	json_check "$WORK/range.json" "d['ContentRange'] == 'bytes 100-1099/$BIG_SIZE'"
	dd if="$BIG" of="$WORK/range.want" bs=100 skip=1 count=10 status=none
	[[ "$(stat -c %s "$WORK/range.out")" == 1000 ]]
	same_sha "$WORK/range.want" "$WORK/range.out"
}

t_server_side_copy() {
	# 64 MiB is above the cli's multipart threshold, so this is UploadPartCopy.
	awscli s3 cp "$S3/big.bin" "$S3/copy.bin" --only-show-errors
	awscli s3 cp "$S3/copy.bin" "$WORK/copy.down" --only-show-errors
	same_sha "$BIG" "$WORK/copy.down"
	# And a small one, a single CopyObject.
	head -c 3000 /dev/urandom >"$WORK/small.bin"
	awscli s3 cp "$WORK/small.bin" "$S3/small.bin" --only-show-errors
	awscli s3 cp "$S3/small.bin" "$S3/small-copy.bin" --only-show-errors
	awscli s3 cp "$S3/small-copy.bin" "$WORK/small-copy.down" --only-show-errors
	same_sha "$WORK/small.bin" "$WORK/small-copy.down"
}

t_presign_curl() {
	local url
	url="$(awscli s3 presign "$S3/big.bin" --expires-in 300)"
	echo "presigned URL: ${url%%\?*}?…"
	curl -fsS --max-time 60 -o "$WORK/presigned.down" "$url" ||
		{ echo "GET of the presigned URL failed:" >&2; curl -sS --max-time 60 "$url" | head -c 2000 >&2; echo >&2; return 1; }
	same_sha "$BIG" "$WORK/presigned.down"
}

t_sync_tree() {
	local src="$WORK/tree" dst="$WORK/tree.down"
	python3 - "$src" <<'EOF'
import os, random, sys
root = sys.argv[1]
rng = random.Random(20240601)
dirs = ["", "docs", "docs/sub dir", "données", "données/été 2024", "a/b/c/d", "space name", "日本語"]
names = ["plain.txt", "with space.bin", "ünïcødé.dat", "empty", "x", "ファイル.txt", "dash-and_underscore.log"]
sizes = [0, 1, 7, 100, 4095, 4096, 16383, 16384, 16385, 65536, 100_000, 1 << 20, (1 << 20) + 1, 3 << 20]
n = 0
for d in dirs:
    for name in names[: 5 + n % 3]:
        path = os.path.join(root, d, f"{n:02d} {name}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        size = sizes[n % len(sizes)] if name != "empty" else 0
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))
        n += 1
print(f"made {n} files under {root}")
EOF
	local count
	count="$(find "$src" -type f | wc -l)"
	((count >= 45)) || { echo "only $count files in the tree" >&2; return 1; }
	awscli s3 sync "$src" "$S3/tree/" --only-show-errors
	awscli s3api list-objects-v2 --bucket "$BUCKET" --prefix tree/ --output json >"$WORK/tree.json"
	json_check "$WORK/tree.json" "len(d['Contents']) == $count"
	mkdir -p "$dst"
	awscli s3 sync "$S3/tree/" "$dst" --only-show-errors
	diff -r "$src" "$dst"
	(cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$WORK/tree.sums"
	(cd "$dst" && sha256sum --quiet -c "$WORK/tree.sums")
	# A second sync finds nothing to do either way.
	[[ -z "$(awscli s3 sync "$src" "$S3/tree/")" ]] || { echo "second upload sync was not a no-op" >&2; return 1; }
	[[ -z "$(awscli s3 sync "$S3/tree/" "$dst")" ]] || { echo "second download sync was not a no-op" >&2; return 1; }
}

t_conditional_writes() {
	printf 'lock 1' >"$WORK/lock1"
	printf 'lock 2' >"$WORK/lock2"
	# A Terraform-style lock: the first If-None-Match PUT wins, the second gets 412.
	awscli s3api put-object --bucket "$BUCKET" --key state.tflock --body "$WORK/lock1" --if-none-match '*' --output json >"$WORK/lock.json"
	if awscli s3api put-object --bucket "$BUCKET" --key state.tflock --body "$WORK/lock2" --if-none-match '*' 2>"$WORK/lock.err"; then
		echo "a second If-None-Match put succeeded" >&2
		return 1
	fi
	grep -q "PreconditionFailed" "$WORK/lock.err" || { cat "$WORK/lock.err" >&2; return 1; }
	local etag
	etag="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ETag"])' "$WORK/lock.json")"
	awscli s3api put-object --bucket "$BUCKET" --key state.tflock --body "$WORK/lock2" --if-match "$etag" >/dev/null
	if awscli s3api delete-object --bucket "$BUCKET" --key state.tflock --if-match "$etag" 2>"$WORK/del.err"; then
		echo "a delete with a stale If-Match succeeded" >&2
		return 1
	fi
	grep -q "PreconditionFailed" "$WORK/del.err" || { cat "$WORK/del.err" >&2; return 1; }
	awscli s3api delete-object --bucket "$BUCKET" --key state.tflock --if-match '*'
}

t_cors() {
	printf '%s' '{"CORSRules": [{"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]}' >"$WORK/cors.json"
	awscli s3api put-bucket-cors --bucket "$BUCKET" --cors-configuration "file://$WORK/cors.json"
	awscli s3api get-bucket-cors --bucket "$BUCKET" --output json >"$WORK/cors.out"
	json_check "$WORK/cors.out" "d['CORSRules'][0]['AllowedOrigins'] == ['https://app.example.com'] and d['CORSRules'][0]['MaxAgeSeconds'] == 600"
	local code
	code="$(curl -sS -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' \
		-H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type' "$ENDPOINT/$BUCKET/x")"
	[[ "$code" == 200 ]] || { echo "preflight answered $code" >&2; return 1; }
	code="$(curl -sS -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://evil.example.com' \
		-H 'Access-Control-Request-Method: PUT' "$ENDPOINT/$BUCKET/x")"
	[[ "$code" == 403 ]] || { echo "preflight of another origin answered $code" >&2; return 1; }
	awscli s3api delete-bucket-cors --bucket "$BUCKET"
}

t_terraform() {
	# Terraform's S3 backend with use_lockfile (Terraform >= 1.10) takes its lock with
	# an If-None-Match PutObject. Skipped without terraform on PATH.
	if ! command -v terraform >/dev/null; then
		echo "SKIP: no terraform on PATH"
		return 0
	fi
	local dir="$WORK/terraform"
	mkdir -p "$dir"
	cat >"$dir/main.tf" <<TF
terraform {
  backend "s3" {
    bucket                      = "$BUCKET"
    key                         = "tf/terraform.tfstate"
    region                      = "us-east-1"
    endpoints                   = { s3 = "$ENDPOINT" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    use_lockfile                = true
  }
}
resource "terraform_data" "x" {
  input = "one"
}
TF
	export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1
	(cd "$dir" && terraform init -input=false -no-color >/dev/null && terraform apply -auto-approve -input=false -no-color >/dev/null)
	awscli s3api head-object --bucket "$BUCKET" --key tf/terraform.tfstate >/dev/null
	# A lock held by someone else: Terraform refuses to run.
	printf '{"ID":"other","Operation":"OperationTypeApply","Who":"someone"}' >"$dir/lock.json"
	awscli s3api put-object --bucket "$BUCKET" --key tf/terraform.tfstate.tflock --body "$dir/lock.json" --if-none-match '*' >/dev/null
	if (cd "$dir" && terraform plan -lock-timeout=0s -input=false -no-color >"$dir/plan.log" 2>&1); then
		echo "terraform ran while the lock was held" >&2
		return 1
	fi
	grep -q "Error acquiring the state lock" "$dir/plan.log" || { cat "$dir/plan.log" >&2; return 1; }
	awscli s3 rm "$S3/tf/terraform.tfstate.tflock" --only-show-errors
	(cd "$dir" && terraform plan -lock-timeout=0s -input=false -no-color >/dev/null)
	awscli s3 rm "$S3/tf/" --recursive --only-show-errors
}

t_remove_all() {
	awscli s3 rm "$S3" --recursive --only-show-errors
	awscli s3api list-objects-v2 --bucket "$BUCKET" --no-paginate --output json >"$WORK/empty.json"
	# An empty listing is printed as {} or with KeyCount 0 and no Contents.
	json_check "$WORK/empty.json" "not d.get('Contents') and d.get('KeyCount', 0) == 0"
}

t_remove_bucket() {
	awscli s3 rb "$S3"
	if awscli s3api head-bucket --bucket "$BUCKET" 2>"$WORK/headbucket.err"; then
		echo "bucket still exists after rb" >&2
		return 1
	fi
	grep -q "404" "$WORK/headbucket.err" || { cat "$WORK/headbucket.err" >&2; return 1; }
}

t_boto3() {
	python3 "$ROOT/tests/clients/boto3_test.py"
}

PASSED=0
FAILURES=()

# check runs one check in a subshell with errexit on and records its outcome.
check() {
	local name="$1" rc start=$SECONDS
	echo "=== $name"
	set +e
	(
		set -euo pipefail
		"$name"
	)
	rc=$?
	set -e
	if [[ $rc -eq 0 ]]; then
		PASSED=$((PASSED + 1))
		echo "--- ok   $name ($((SECONDS - start))s)"
	else
		FAILED=$((FAILED + 1))
		FAILURES+=("$name")
		echo "--- FAIL $name (exit $rc, $((SECONDS - start))s)"
	fi
}

check t_make_bucket
check t_multipart_upload
check t_list_prefix_delimiter
check t_ranged_get
check t_server_side_copy
check t_presign_curl
check t_sync_tree
check t_conditional_writes
check t_cors
check t_terraform
check t_remove_all
check t_remove_bucket
check t_boto3

echo "aws cli and boto3: $PASSED checks passed, $FAILED failed${FAILURES[*]:+ (${FAILURES[*]})}"
