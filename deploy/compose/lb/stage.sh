#!/usr/bin/env bash
# Stages the root file system of the load balancer image under bin/docker-lb/rootfs:
# Debian's haproxy binary and the shared libraries it links, copied from this host's
# Debian packages (apt-get install haproxy), plus a passwd file for its user. No image
# is pulled, so it builds without a registry. Called by `make lb-image`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=bin/docker-lb
HAPROXY="${HAPROXY:-/usr/sbin/haproxy}"
[[ -x "$HAPROXY" ]] || { echo "no $HAPROXY: apt-get install haproxy (Debian's package is what the image carries)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/rootfs/usr/sbin" "$OUT/rootfs/etc/haproxy" "$OUT/rootfs/tmp" "$OUT/rootfs/run/haproxy"
chmod 1777 "$OUT/rootfs/tmp" "$OUT/rootfs/run/haproxy"
cp "$HAPROXY" "$OUT/rootfs/usr/sbin/haproxy"
# Every library the dynamic loader resolves, and the loader itself, at their paths.
ldd "$HAPROXY" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u | while read -r lib; do
	mkdir -p "$OUT/rootfs$(dirname "$lib")"
	cp -L "$lib" "$OUT/rootfs$lib"
done
printf 'root:x:0:0:root:/:/sbin/nologin\nhaproxy:x:10002:10002:haproxy:/:/sbin/nologin\n' >"$OUT/rootfs/etc/passwd"
printf 'root:x:0:\nhaproxy:x:10002:\n' >"$OUT/rootfs/etc/group"
cp deploy/compose/lb/haproxy.cfg "$OUT/rootfs/etc/haproxy/haproxy.cfg"
"$HAPROXY" -v | awk 'NR == 1 {print $3}' >"$OUT/version"
