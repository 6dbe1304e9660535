#!/usr/bin/env bash
# Stages what the Dockerfile copies under bin/docker: a static cairn binary (CGO off,
# stripped), the host's CA bundle, and the empty /data and /tmp directories the
# image's user owns. Called by `make image`.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${VERSION:-dev}"
GO="${GO:-go}"
OUT=bin/docker
CA="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

rm -rf "$OUT"
mkdir -p "$OUT/rootfs/data" "$OUT/rootfs/tmp"
chmod 1777 "$OUT/rootfs/tmp"
[[ -r "$CA" ]] || { echo "no CA bundle at $CA (apt-get install ca-certificates, or set CA_BUNDLE)" >&2; exit 1; }
cp "$CA" "$OUT/ca-certificates.crt"
CGO_ENABLED=0 GOOS=linux "$GO" build -trimpath -ldflags "-s -w -X main.version=$VERSION" \
	-o "$OUT/cairn" ./cmd/cairn
