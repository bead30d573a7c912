#!/bin/sh
# meson install into a DESTDIR: the programs, the man pages (read by
# man --warnings without a warning, ruv(1) with every verb and an example
# of each), the mount helper naming the installed ruvfs, the systemd
# units, ruv-daily, COPYING, the completion of ruv, and the configuration
# path compiled in named by ruv --help and the installed ruv.ini.
. "${SRCDIR}/tests/integration/lib.sh"
: "${BUILDDIR:?BUILDDIR must name the build directory}"
D="$T/dest"
check "meson install --destdir" meson install -C "$BUILDDIR" --no-rebuild \
	--quiet --destdir "$D"
prefix=$(meson introspect --buildoptions "$BUILDDIR" | python3 -c '
import json, sys
print({o["name"]: o["value"] for o in json.load(sys.stdin)}["prefix"])')
P="$D$prefix"
for f in bin/ruv bin/ruvtogl bin/ruvreprs bin/ruv-daily; do
	check "installed $f, executable" test -x "$P/$f"
done
conf=$("$RUV" --help | sed -n 's/.*HOME\/ruv.ini, then \(\/[^,]*\),$/\1/p')
check_eq "ruv --help names the configuration path compiled in" \
	"$prefix/etc/ruv/ruv.ini" "$conf"
check "ruv.ini is installed at that path" test -f "$D$conf"
check "and its header names that path" grep -q "^#   --home or \$RUV_HOME), $conf (the path" "$D$conf"
check "the installed ruv.ini parses" "$RUV" --config "$D$conf" --home "$T/h" init
check "COPYING is the GPL, version 2" sh -c \
	"grep -q 'GNU GENERAL PUBLIC LICENSE' '$P/share/doc/ruvfs/COPYING' && grep -q 'Version 2, June 1991' '$P/share/doc/ruvfs/COPYING'"
check "COPYING in the source tree too" cmp "$SRCDIR/COPYING" "$P/share/doc/ruvfs/COPYING"

# The logging library for applications: header, library, pkg-config.
check "ruvlog.h installed" test -s "$P/include/ruvlog.h"
pc=$(find "$P" -name ruvlog.pc)
check "ruvlog.pc installed" test -s "$pc"
check "pkg-config finds ruvlog in the install" sh -c \
	"PKG_CONFIG_PATH='${pc%/*}' pkg-config --libs ruvlog | grep -q -- -lruvlog"
check "libruvlog installed" sh -c "ls '$P'/lib*/libruvlog.so* '$P'/lib/*/libruvlog.so* 2>/dev/null | grep -q ."

# Man pages: each renders with no warning at all.
for m in man1/ruv.1 man5/ruv.ini.5 man8/ruvreprs.8 man8/ruvtogl.8; do
	check "man page $m installed" test -s "$P/share/man/$m"
done
if [ -n "${RUVFS:-}" ]; then
	check "man page man8/ruvfs.8 installed" test -s "$P/share/man/man8/ruvfs.8"
fi
for m in "$P"/share/man/man*/*; do
	MANWIDTH=80 man --warnings -l "$m" >"$T/man.out" 2>"$T/man.err"
	st=$?
	if [ $st -eq 0 ] && [ ! -s "$T/man.err" ] && [ -s "$T/man.out" ]; then
		ok "man --warnings -l ${m##*/}: no warning"
	else
		not_ok "man --warnings -l ${m##*/}: exit $st"
		sed 's/^/# /' "$T/man.err"
	fi
done
# man --warnings does report: a page with an undefined macro fails.
printf '.TH X 1\n.SH NAME\nx \\- y\n.XYZ\n' >"$T/bad.1"
MANWIDTH=80 man --warnings -l "$T/bad.1" >/dev/null 2>"$T/man.err"
check "man --warnings reports a bad page (the check can fail)" test -s "$T/man.err"
# Every verb of ruv help has its subsection and an example in ruv(1).
MANWIDTH=200 man -l "$P/share/man/man1/ruv.1" 2>/dev/null | col -b >"$T/ruv.txt"
"$RUV" help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }' >"$T/verbs"
check "ruv help lists verbs" test -s "$T/verbs"
while read -r v; do
	check "ruv(1) has verb $v with an example" awk -v v="$v" '
		$0 == "   " v { on = 1; next }
		on && /^   [a-z]/ { exit }
		on && /^       Examples?:/ { ex = 1 }
		on && ex && $1 == "ruv" { found = 1 }
		END { exit !found }' "$T/ruv.txt"
done <"$T/verbs"
for v in ruvfs ruvreprs ruvtogl; do
	[ "$v" = ruvfs ] && [ -z "${RUVFS:-}" ] && continue
	check "$v(8) has EXAMPLES or idioms" sh -c \
		"MANWIDTH=80 man -l '$P/share/man/man8/$v.8' 2>/dev/null | grep -Eq '^(EXAMPLES|MOUNTING)'"
done

# The mount helper names the installed ruvfs by its full path.
if [ -n "${RUVFS:-}" ]; then
	h=$(find "$D" -name mount.fuse.ruvfs)
	check "mount.fuse.ruvfs installed, executable" test -x "$h"
	check_eq "under the mount helper directory (/sbin by default)" \
		"$D/sbin/mount.fuse.ruvfs" "$h"
	check "it runs $prefix/bin/ruvfs" grep -qx "ruvfs=$prefix/bin/ruvfs" "$h"
	check "sh -n mount.fuse.ruvfs" sh -n "$h"
fi

# systemd units, with the installed paths.
U="$P/lib/systemd/system"
for u in ruv-daily@.service ruv-daily@.timer; do
	check "unit $u installed" test -s "$U/$u"
done
check "ruv-daily@.service runs the installed ruv-daily" grep -qx \
	"ExecStart=$prefix/bin/ruv-daily %f" "$U/ruv-daily@.service"
if [ -n "${RUVFS:-}" ]; then
	check "ruvfs@.service runs the installed ruvfs in the foreground" grep -q \
		"^ExecStart=$prefix/bin/ruvfs -f " "$U/ruvfs@.service"
	check "ruvfs@.service is Type=notify" grep -qx "Type=notify" "$U/ruvfs@.service"
fi
check "ruv-daily names the installed ruv" grep -q "ruv=\${RUV:-$prefix/bin/ruv}" "$P/bin/ruv-daily"

# Completion: verbs, sub-verbs, options, and names from the repository.
B="$P/share/bash-completion/completions/ruv"
check "bash completion installed" test -s "$B"
check "zsh completion installed" test -s "$P/share/zsh/site-functions/_ruv"
if command -v zsh >/dev/null; then
	check "zsh -n _ruv" zsh -n "$P/share/zsh/site-functions/_ruv"
fi
make_home
"$RUV" file register PAY.MASTER "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.TRANS "$T/data/b.dat" >/dev/null
"$RUV" group define PAYROLL PAY.MASTER >/dev/null
"$RUV" location define Vault2 >/dev/null
# complete WORDS...: what bash would offer for the last word.
complete_ruv() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_ruv; printf "%s\n" "${COMPREPLY[@]}" | sort' x "$B" "$@"
}
check_eq "verbs" "backup" "$(complete_ruv "$RUV" ba)"
check_eq "all verbs" "$(sort "$T/verbs" | tr '\n' ' ')" "$(complete_ruv "$RUV" '' | tr '\n' ' ')"
check_eq "sub-verbs of file, as its help lists them" \
	"$("$RUV" file --help | awk '{ if ($1 == "usage:") $0 = substr($0, 7) } $1 == "ruv" && $2 == "file" { print $3 }' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(complete_ruv "$RUV" file '' | tr '\n' ' ' | sed 's/ $//')"
check_eq "DSNs for backup, from the repository" "PAY.MASTER PAY.TRANS" "$(complete_ruv "$RUV" backup PAY | tr '\n' ' ' | sed 's/ $//')"
check_eq "groups for --group" "PAYROLL" "$(complete_ruv "$RUV" backup --group '')"
check_eq "locations for relocate --to" "Local Offsite Staging Vault2" "$(complete_ruv "$RUV" relocate X --to '' | tr '\n' ' ' | sed 's/ $//')"
check_eq "options of backup" "--group" "$(complete_ruv "$RUV" backup --gr)"
check_eq "--home typed on the line is the home asked" "" \
	"$(complete_ruv "$RUV" --home "$T/nohome" backup PAY)"
check_eq "ruvtogl: locations for --activate" "Vault2" "$(complete_ruv "$RUVTOGL" --activate V)"
done_testing
