#!/bin/sh
# vendor/fetch.sh: fetch, verify and unpack the pinned third-party sources
# listed in vendor/MANIFEST. Re-running is cheap: a verified unpacked tree is
# reused. Needs a deb-src entry (tools/bootstrap makes one).
#
# Note on jsmn: Debian's jsmn source package lists a debian.tar.xz that the
# archive no longer serves, so `apt-get source` exits non-zero after the orig
# tarball arrived; the orig tarball is all we use, and its hash is checked.
set -eu
cd "$(dirname "$0")"
mkdir -p dl

verify() { # file expected-sha
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		echo "vendor: SHA-256 mismatch for $1: got $got, want $2" >&2
		return 1
	fi
}

grep -v '^#' MANIFEST | while read -r sum file pkg ver dir; do
	[ -n "$sum" ] || continue
	[ -n "${pkg:-}" ] || continue          # single-file lines are checked below
	if [ -f "$dir/.verified" ] && [ "$(cat "$dir/.verified")" = "$sum" ]; then
		continue
	fi
	if [ ! -f "dl/$file" ] || ! verify "dl/$file" "$sum" 2>/dev/null; then
		rm -f "dl/$file"
		echo "vendor: fetching $pkg $ver from the Debian source archive"
		(cd dl && apt-get source --download-only "$pkg=$(apt-cache showsrc "$pkg" |
			awk '/^Version:/{print $2; exit}')" >/dev/null 2>&1) || true
		if [ ! -f "dl/$file" ]; then
			echo "vendor: could not fetch $file (is deb-src enabled? run tools/bootstrap)" >&2
			exit 1
		fi
	fi
	verify "dl/$file" "$sum"
	rm -rf "$dir"
	case "$file" in
	*.tar.xz) tar -xJf "dl/$file" ;;
	*.tar.gz) tar -xzf "dl/$file" ;;
	*) echo "vendor: unknown archive type $file" >&2; exit 1 ;;
	esac
	echo "$sum" >"$dir/.verified"
done

grep -v '^#' MANIFEST | while read -r sum file pkg; do
	[ -n "$sum" ] && [ -z "${pkg:-}" ] || continue
	verify "$file" "$sum"
done
