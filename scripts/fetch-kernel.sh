#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's linux-source package and unpack a pristine kernel tree into
# the cache. The archive URI is read from this machine's own apt
# configuration; the suite is added through a private, temporary apt state
# so the system's package lists are left alone.
#
# Usage: scripts/fetch-kernel.sh      prints the source tree's path on stdout
#
# Environment: FWCTL_CACHE (default ~/.cache/fwctl-rs), KSRC_PKG
# (default linux-source-7.3), KSRC_SUITE (default trixie-backports).
set -euo pipefail

CACHE=${FWCTL_CACHE:-$HOME/.cache/fwctl-rs}
PKG=${KSRC_PKG:-linux-source-7.3}
SUITE=${KSRC_SUITE:-trixie-backports}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf 'fetch-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Print the URI of the first configured source that serves the main Debian
# archive (not the security archive, not a third-party repository).
debian_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# deb822: one stanza per paragraph; keep stanzas whose Suites
		# carry a plain release name.
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uri = ""; ok = 0; deb = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
				if ($i ~ /^Types:.*(^|[ \t])deb([ \t]|$)/) deb = 1
				if ($i ~ /^Suites:/ && $i !~ /security/ &&
				    $i ~ /(buster|bullseye|bookworm|trixie|forky|sid)/) ok = 1
			}
			if (deb && ok && uri != "") { print uri; exit }
		}' "$f"
	done
	if [ -r /etc/apt/sources.list ]; then
		awk '$1 == "deb" && $0 !~ /security/ &&
		     $0 ~ /(buster|bullseye|bookworm|trixie|forky|sid)/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit }
		}' /etc/apt/sources.list
	fi
}

# A verified tree already in the cache is used as it is, without asking the
# network; KSRC_REFRESH=1 looks for a newer package.
if [ -z "${KSRC_REFRESH:-}" ]; then
	for t in "$CACHE/src/$PKG"-*/; do
		if [ -f "$t.fwctl-complete" ]; then
			echo "${t%/}"
			exit 0
		fi
	done
fi

uri=$(debian_uri | head -n 1)
[ -n "$uri" ] || die "no Debian archive found in /etc/apt/sources.list{,.d}; add one and retry"

mkdir -p "$CACHE/src"
apt_dir="$CACHE/src/apt"
rm -rf "$apt_dir"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb [signed-by=$KEYRING] $uri $SUITE main" >"$apt_dir/sources.list"
apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/none"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "APT::Sandbox::User=root"
	-o "Acquire::Retries=3"
)

log "looking up $PKG in $SUITE"
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update of $SUITE failed"
ver=$(apt-cache "${apt_opts[@]}" show "$PKG" 2>/dev/null |
	awk '/^Version:/ { print $2; exit }')
[ -n "$ver" ] || die "$PKG not found in $SUITE"

# Make and Kbuild dislike ~, + and : in paths.
tree="$CACHE/src/$PKG-$(printf %s "$ver" | tr '~+:' '---')"
if [ -f "$tree/.fwctl-complete" ]; then
	rm -rf "$apt_dir"
	echo "$tree"
	exit 0
fi

deb="$CACHE/src/${PKG}_${ver}.deb"
attempt=1
while :; do
	if [ ! -s "$deb" ]; then
		log "downloading $PKG $ver (attempt $attempt)"
		(cd "$apt_dir" && apt-get "${apt_opts[@]}" -qq download "$PKG=$ver") >&2 ||
			log "download failed"
		mv -f "$apt_dir/${PKG}_"*.deb "$deb" 2>/dev/null || true
	fi
	# apt checked the .deb against the signed index; check the tarball
	# inside against the package's own md5sums before trusting it.
	if [ -s "$deb" ] && "$(dirname "$0")/verify-kernel-deb.sh" "$deb" "$CACHE/src/tmp.$$" >&2; then
		break
	fi
	rm -rf "$deb" "$CACHE/src/tmp.$$"
	[ $attempt -lt 3 ] || die "could not get a verified $PKG after $attempt attempts"
	attempt=$((attempt + 1))
done

# verify-kernel-deb.sh left the unpacked, checked tree in tmp.$$; publish it
# in one rename so a half-extracted tree is never visible.
rm -rf "$tree"
mv "$CACHE/src/tmp.$$" "$tree"
touch "$tree/.fwctl-complete"
rm -rf "$apt_dir"
log "kernel source ready: $tree"
echo "$tree"
