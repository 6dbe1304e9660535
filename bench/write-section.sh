#!/usr/bin/env bash
# write-section.sh NAME FILE SECTION: puts the contents of SECTION into the Markdown
# FILE between the lines <!-- NAME:begin --> and <!-- NAME:end -->, replacing what
# stood there, or appends the section with its markers when FILE has none. Everything
# outside the markers is kept. `make bench` uses it for the cluster comparison.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 NAME FILE SECTION" >&2; exit 2; }
name=$1 file=$2 section=$3
begin="<!-- $name:begin -->" end="<!-- $name:end -->"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if grep -qF "$begin" "$file" && grep -qF "$end" "$file"; then
	awk -v begin="$begin" -v end="$end" -v section="$section" '
		$0 == begin { print; while ((getline line < section) > 0) print line; skip = 1; next }
		$0 == end { skip = 0 }
		!skip { print }
	' "$file" >"$out"
else
	{ cat "$file"; echo; echo "$begin"; cat "$section"; echo "$end"; } >"$out"
fi
cp "$out" "$file"
echo "write-section: wrote $name into $file" >&2
