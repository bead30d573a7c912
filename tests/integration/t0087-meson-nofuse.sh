#!/bin/sh
# meson setup without libfuse 3.14: it stops, saying what is missing and
# that -Dfs=disabled builds without ruvfs; with -Dfs=disabled it sets up,
# and its summary says ruvfs is not built.  pkg-config is given every
# .pc file the build needs except fuse3's.
. "${SRCDIR}/tests/integration/lib.sh"
mkdir "$T/pc"
for p in sqlite3 liblz4 inih cmocka; do
	f=$(pkg-config --path "$p") && ln -s "$f" "$T/pc/"
done
# Their own dependencies, when a .pc file names any.
for f in "$T"/pc/*.pc; do
	for r in $(sed -n 's/^Requires[^:]*: *//p' "$f" | tr ',' ' '); do
		case $r in [a-z]*) q=$(pkg-config --path "$r" 2>/dev/null) &&
			ln -sf "$q" "$T/pc/" ;; esac
	done
done
check "fuse3 hidden from pkg-config" sh -c \
	"! PKG_CONFIG_LIBDIR='$T/pc' PKG_CONFIG_PATH= pkg-config --exists fuse3"
PKG_CONFIG_LIBDIR="$T/pc" PKG_CONFIG_PATH="" \
	meson setup "$T/b1" "$SRCDIR" >"$T/setup1.log" 2>&1
check_eq "meson setup without FUSE fails" 1 $?
check "naming libfuse 3.14" grep -q "libfuse 3.14 or newer (fuse3.pc) was not found" "$T/setup1.log"
check "and -Dfs=disabled" grep -q "meson setup -Dfs=disabled" "$T/setup1.log"
PKG_CONFIG_LIBDIR="$T/pc" PKG_CONFIG_PATH="" \
	meson setup -Dfs=disabled "$T/b2" "$SRCDIR" >"$T/setup2.log" 2>&1
st=$?
check_eq "meson setup -Dfs=disabled succeeds" 0 $st
[ $st -eq 0 ] || sed 's/^/# /' "$T/setup2.log" | tail -n 20
check "the summary says ruvfs is not built" grep -Eq "ruvfs \\(FUSE >= 3.14\\) *: NO" "$T/setup2.log"
check "nor its mount helper" grep -Eq "mount helper *: \\(no ruvfs\\)" "$T/setup2.log"
check "the summary shows the configuration path" grep -Eq "configuration *: /.*/ruv/ruv.ini" "$T/setup2.log"
done_testing
