#!/bin/sh
# The installed layout at work, in a private mount namespace where the
# DESTDIR install is bound over its real prefix and the mount helper
# directory: an /etc/fstab line mounts a home through mount.fuse.ruvfs
# and the installed ruvfs (ctl runs the installed ruv), mount -t
# fuse.ruvfs too, systemd-analyze verify accepts every unit instance, and
# the installed ruv-daily runs the day on a real home.
. "${SRCDIR}/tests/integration/lib.sh"
: "${BUILDDIR:?BUILDDIR must name the build directory}"
if [ -z "${RUVFS:-}" ] || [ ! -c /dev/fuse ]; then
	echo "1..0 # SKIP no ruvfs or no FUSE on this machine"
	exit 77
fi
D="$T/dest"
meson install -C "$BUILDDIR" --no-rebuild --quiet --destdir "$D" ||
	{ echo "Bail out! meson install failed"; exit 1; }
prefix=$(meson introspect --buildoptions "$BUILDDIR" | python3 -c '
import json, sys
o = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(o["prefix"], o["mount_helper_dir"])')
helperdir=${prefix#* }
prefix=${prefix% *}
case $prefix in
/usr/local | /opt/*) ;;
*)
	# Binding a DESTDIR over /usr would hide the system.
	echo "1..0 # SKIP prefix $prefix: only /usr/local or /opt/* is bound over"
	exit 77
	;;
esac
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
"$RUV" jcl init >/dev/null
mkdir -p "$T/fmnt" "$T/tmnt" "$T/units" "$D$prefix"
inst=$(systemd-escape --path "$RUV_HOME")
printf '%s %s fuse.ruvfs defaults,allow_other,timeout=2 0 0\n' \
	"$RUV_HOME" "$T/fmnt" >"$T/fstab"

# The inner script prints "NAME<tab>STATUS" lines; checked below.
cat >"$T/inner.sh" <<INNER
r() { n=\$1; shift; "\$@" >>"$T/inner.log" 2>&1; printf '%s\t%s\n' "\$n" \$?; }
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset RUV_CONFIG RUV RUVFS
export RUV_HOME="$RUV_HOME"
mkdir -p "$prefix"
mount --bind "$D$prefix" "$prefix" || exit 1
hd=\$(readlink -f "$helperdir")
mount -t overlay overlay -o "lowerdir=$D$helperdir:\$hd" "\$hd" || exit 1
mount --bind "$T/fstab" /etc/fstab || exit 1
r "the helper is where mount(8) looks" test -x "$helperdir/mount.fuse.ruvfs"
r "mount MOUNTPOINT, from fstab" mount "$T/fmnt"
r "fstab mount: a ruvfs mount" sh -c "awk '\\\$2 == \"$T/fmnt\" { print \\\$3 }' /proc/mounts | grep -qx fuse.ruvfs"
r "fstab mount: allow_other and nosuid" sh -c "awk '\\\$2 == \"$T/fmnt\" { print \\\$4 }' /proc/mounts | tr , '\n' | grep -qx allow_other"
r "fstab mount: the installed ruvfs runs it" sh -c "ps -eo args | grep -q '^$prefix/bin/ruvfs .*$T/fmnt'"
r "fstab mount: serves the tree" test "\$(readlink "$T/fmnt/files/PAY.A")" = "$T/data/a.dat"
r "fstab mount: ctl runs the installed ruv" sh -c "echo 'location define Vault9' > '$T/fmnt/ctl'"
r "fstab mount: umount" umount "$T/fmnt"
r "mount -t fuse.ruvfs HOME DIR" mount -t fuse.ruvfs "$RUV_HOME" "$T/tmnt" -o timeout=0
r "mount -t: serves the tree" test -L "$T/tmnt/files/PAY.A"
r "mount -t: umount" umount "$T/tmnt"
for u in ruvfs@$inst.service ruv-daily@$inst.service ruv-daily@$inst.timer; do
	ln -s "$prefix/lib/systemd/system/\$(echo "\$u" | sed 's/@.*\\./@./')" "$T/units/\$u"
done
r "systemd-analyze verify ruvfs@$inst.service" systemd-analyze verify --man=no "$T/units/ruvfs@$inst.service"
r "systemd-analyze verify ruv-daily@$inst.service" systemd-analyze verify --man=no "$T/units/ruv-daily@$inst.service"
r "systemd-analyze verify ruv-daily@$inst.timer" systemd-analyze verify --man=no "$T/units/ruv-daily@$inst.timer"
r "the installed ruv-daily runs the day" "$prefix/bin/ruv-daily" "$RUV_HOME"
INNER
unshare -m --propagation private sh "$T/inner.sh" >"$T/inner.out" 2>>"$T/inner.log"
check_eq "the private namespace was set up" 0 $?
while IFS="	" read -r name st; do
	check_eq "$name" 0 "$st"
done <"$T/inner.out"
check_eq "every step ran" 15 "$(wc -l <"$T/inner.out")"
check "no mount left behind" sh -c "! grep -q '$T/[ft]mnt' /proc/mounts"
check_eq "the ctl line ran" "0" "$(sql "SELECT active FROM location WHERE name = 'Vault9'")"
check_eq "ruv-daily: a repository backup" 1 "$(sql 'SELECT count(*) FROM repo_backup')"
check_eq "ruv-daily: a shipment" 1 "$(sql 'SELECT count(*) FROM shipment')"
[ "$_failed" -eq 0 ] || sed 's/^/# /' "$T/inner.log"
done_testing
