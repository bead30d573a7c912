#!/bin/sh
# ruvfs: invalidation never waits on a directory a lookup holds.  A ctl
# line and a toggle invalidate every backups/by-file/DSN/latest; lookups
# in those directories run meanwhile, on one thread (-s) and on many.
# Before the fix a ctl write here hung for good.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
i=0
while [ "$i" -lt 300 ]; do
	printf '%s\n' "$i" >"$T/data/f$i"
	i=$((i + 1))
done
sqlite3 "$RUV_HOME/repository.db" <<SQL >/dev/null
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 299)
INSERT INTO file(dsn, path, uid, gid, mode, registered_us)
 SELECT 'PAY.F' || i, '$T/data/f' || i, 0, 0, 33188, 0 FROM k;
INSERT INTO grp(name, created_us) VALUES ('ALL', 0);
INSERT INTO grp_member(grp_id, file_id)
 SELECT (SELECT id FROM grp WHERE name = 'ALL'), id FROM file;
COMMIT;
SQL
"$RUV" backup --group ALL >/dev/null || { echo "Bail out! backup failed"; exit 1; }

M="$T/mnt"
round() { # round OPTIONS...: mount, look up latest everywhere while ctl runs
	mount_ruvfs "$@"
	: >"$T/go"
	(
		while [ -e "$T/go" ]; do
			j=0
			while [ "$j" -lt 300 ] && [ -e "$T/go" ]; do
				stat "$M/backups/by-file/PAY.F$j/latest" >/dev/null 2>&1
				j=$((j + 1))
			done
		done
	) &
	looker=$!
	sleep 0.2
	ok_lines=0
	k=0
	while [ "$k" -lt 8 ]; do
		timeout 60 sh -c "echo 'location list' > '$M/ctl'" && ok_lines=$((ok_lines + 1))
		timeout 60 mv "$M/locations/inactive/Offsite" "$M/locations/active/" && ok_lines=$((ok_lines + 1))
		timeout 60 mv "$M/locations/active/Offsite" "$M/locations/inactive/" && ok_lines=$((ok_lines + 1))
		k=$((k + 1))
	done
	rm -f "$T/go"
	wait "$looker"
	check_eq "$*: every ctl line and toggle returned" 24 "$ok_lines"
	check "$*: the lookups still answer" stat "$M/backups/by-file/PAY.F1/latest"
	check "$*: unmounts" umount_ruvfs
}
round -s -o timeout=0
round -o timeout=0
done_testing
