#!/bin/sh
# ruv-daily HOME, the local site's daily cycle, on a real home: every
# registered file backed up (or the groups of $RUV_DAILY_GROUPS), the PIT
# from $RUV_DAILY_RECON, the JCL library backed up, the log streams
# archived and accumulated, the repository backed up,
# and the pull list committed -- all of it in the catalog; a failing step
# stops the cycle with exit 1, naming the step, and running it again once
# fixed completes the day.
. "${SRCDIR}/tests/integration/lib.sh"
: "${BUILDDIR:?BUILDDIR must name the build directory}"
DAILY="$BUILDDIR/scripts/ruv-daily"
export RUV
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" file register OPS.C "$T/data/c.dat" >/dev/null
"$RUV" group define PAYROLL PAY.A PAY.B >/dev/null
"$RUV" jcl init >/dev/null
"$RUV" log define paylog >/dev/null
printf 'CHANGED' | "$RUV" log write paylog pay.a --offset 0 >/dev/null

check_fail "no home given is a usage error" 2 "^ruv-daily: name one RUV home$" "$DAILY"
check_fail "a directory that is no home" 1 "^ruv-daily: '$T/data' is no RUV home" "$DAILY" "$T/data"
check "ruv-daily --version" "$DAILY" --version
check_eq "it names its version" "ruv-daily $("$RUV" version | cut -d' ' -f2)" "$(cat "$T/out")"

check "ruv-daily HOME" "$DAILY" "$RUV_HOME"
cp "$T/out" "$T/day1"
check "it ends saying so" grep -qx "ruv-daily: done" "$T/day1"
check_eq "each registered file backed up once" "OPS.C 1 PAY.A 1 PAY.B 1" \
	"$(sql "SELECT f.dsn, count(b.id) FROM file f LEFT JOIN backup b ON b.file_id = f.id GROUP BY f.dsn ORDER BY f.dsn" | tr '|\n' '  ' | sed 's/ $//')"
check_eq "one JCL library backup" 1 "$(sql 'SELECT count(*) FROM jcl_backup')"
check_eq "one repository backup" 1 "$(sql 'SELECT count(*) FROM repo_backup')"
check_eq "one shipment" 1 "$(sql 'SELECT count(*) FROM shipment')"
check_eq "nothing left in Staging" 0 \
	"$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'")"
check "the repository backup was shipped with the rest" "$RUV" report backups --location Offsite
cp "$T/out" "$T/offsite"
check "with its repository copy" grep -q "^RUV.REPOSITORY" "$T/offsite"
check "and the JCL library's" grep -q "^RUV.JCLLIB" "$T/offsite"
check_eq "the log archived and consolidated, shipped with the rest" "RUV.ACCUM RUV.ACCUM.UOW RUV.ARCHIVE RUV.UOW" \
	"$(awk '$1 ~ /^RUV\.(ARCHIVE|UOW|ACCUM)/ { print $1 }' "$T/offsite" | sort -u | paste -sd' ')"
check "the steps in their order" sh -c "grep '^ruv-daily: ' '$T/day1' | cut -d' ' -f2 | tr '\n' ' ' | grep -qx 'backup jcl accumulate repo pull-list done '"

# Groups only, and the PIT from a RECON listing.
export RUV_DAILY_GROUPS="PAYROLL"
export RUV_DAILY_RECON="$SRCDIR/tests/fixtures/recon-sample.txt"
check "ruv-daily with RUV_DAILY_GROUPS and RUV_DAILY_RECON" "$DAILY" "$RUV_HOME"
check_eq "the group's files backed up again, the other not" "OPS.C 1 PAY.A 2 PAY.B 2" \
	"$(sql "SELECT f.dsn, count(b.id) FROM file f LEFT JOIN backup b ON b.file_id = f.id GROUP BY f.dsn ORDER BY f.dsn" | tr '|\n' '  ' | sed 's/ $//')"
check "the PIT is set from the listing" "$RUV" pit show --json
check "its source is the listing" grep -q '"source": *"recon' "$T/out"
check_eq "a second shipment" 2 "$(sql 'SELECT count(*) FROM shipment')"
unset RUV_DAILY_GROUPS RUV_DAILY_RECON

# A step that fails stops the day: no repository backup, no shipment.
rm "$T/data/b.dat"
check_fail "a file gone: the backup step fails" 1 \
	"ruv-daily: step 'backup .*' failed; the steps after it did not run" \
	"$DAILY" "$RUV_HOME"
check_eq "no repository backup after it" 2 "$(sql 'SELECT count(*) FROM repo_backup')"
check_eq "no shipment after it" 2 "$(sql 'SELECT count(*) FROM shipment')"
printf 'bravo\n' >"$T/data/b.dat"
check "fixed, it runs again to the end" "$DAILY" "$RUV_HOME"
check_eq "and ships" 3 "$(sql 'SELECT count(*) FROM shipment')"
done_testing
