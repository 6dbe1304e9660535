#!/usr/bin/env bash
# Brings the compose cluster up (docker-compose up -d), waits until every node is
# healthy and the load balancer answers /health/ready, and prints the endpoints and
# credentials. Run by `make compose-up` after the images are built.
# READY_TIMEOUT (seconds, default 120) bounds the wait.
set -euo pipefail
cd "$(dirname "$0")"
ENV_FILE="${ENV_FILE:-.env}" # tests pass their own
[[ -f "$ENV_FILE" ]] || { echo "no deploy/compose/$ENV_FILE: run 'make compose-env' first" >&2; exit 1; }
READY_TIMEOUT="${READY_TIMEOUT:-120}"
dc() { docker-compose --env-file "$ENV_FILE" "$@"; }

start=$SECONDS
dc up -d --remove-orphans "$@"
deadline=$((SECONDS + READY_TIMEOUT))
s3="$(dc port lb 9000)" admin="$(dc port lb 9001)"
s3="127.0.0.1:${s3##*:}" admin="127.0.0.1:${admin##*:}"
until [[ "$(dc ps -q | xargs docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' | sort -u | grep -v '^$' | tr '\n' ' ')" == "healthy " ]] &&
	curl -fsS -o /dev/null --max-time 3 "http://$admin/health/ready"; do
	if ((SECONDS >= deadline)); then
		echo "cluster not ready within ${READY_TIMEOUT}s:" >&2
		dc ps >&2
		dc logs --tail 30 >&2
		exit 1
	fi
	sleep 1
done
set -a
# shellcheck disable=SC1091
. "$ENV_FILE"
set +a
cat <<EOT
Cairn cluster ready in $((SECONDS - start))s ($(dc ps -q | wc -l) containers).
  S3 endpoint:    http://$s3
  Admin/console:  http://$admin
  Access key:     $CAIRN_ROOT_ACCESS_KEY
  Secret key:     $CAIRN_ROOT_SECRET_KEY
  e.g. AWS_ACCESS_KEY_ID=$CAIRN_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=... aws --endpoint-url http://$s3 s3 ls
EOT
