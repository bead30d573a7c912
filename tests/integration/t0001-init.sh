#!/bin/sh
# ruv init: creates a whole home, refuses to touch an existing one.
. "${SRCDIR}/tests/integration/lib.sh"

check "init creates a home" "$RUV" init
for d in pools/local pools/offsite jcl logs; do
	check "init made $d" test -d "$RUV_HOME/$d"
done
check "repository exists" test -f "$RUV_HOME/repository.db"
check_eq "schema version" 4 \
	"$(sqlite3 "$RUV_HOME/repository.db" 'PRAGMA user_version')"
check_eq "journal mode" wal \
	"$(sqlite3 "$RUV_HOME/repository.db" 'PRAGMA journal_mode')"
check_eq "seeded locations" "Local|1 Offsite|0 Staging|0" \
	"$(sqlite3 "$RUV_HOME/repository.db" \
	'SELECT name, active FROM location ORDER BY name' | tr '\n' ' ' |
	sed 's/ $//')"
check_eq "pools from the config" "local|L|4294967296|Local offsite|O|4294967296|Staging" \
	"$(sqlite3 "$RUV_HOME/repository.db" \
	'SELECT p.name, prefix, capacity, l.name FROM pool p JOIN location l
	 ON l.id = p.location_id ORDER BY p.name' | tr '\n' ' ' | sed 's/ $//')"
check "no stray temporary directory" sh -c "! ls -d '$T'/home.init-* 2>/dev/null"

dump_repo >"$T/dump.before"
check_fail "init refuses an existing home" 1 "already a RUV home" "$RUV" init
check_unchanged "second init" "$T/dump.before"

mkdir "$T/full" && touch "$T/full/x"
check_fail "init refuses a non-empty directory" 1 "not empty" \
	"$RUV" --home "$T/full" init
check "the non-empty directory is untouched" test "$(ls "$T/full")" = x

mkdir "$T/empty"
check "init accepts an empty directory" "$RUV" --home "$T/empty" init
check "it became a home" test -f "$T/empty/repository.db"
check_eq "it holds the home's parts only" "jcl logs pools repository.db" \
	"$(ls -A "$T/empty" | tr '\n' ' ' | sed 's/ $//')"

# home_parts DIR: its entries, one line: a whole home and nothing else.
home_parts() {
	ls -A "$1" | tr '\n' ' ' | sed 's/ $//'
}

# An empty mount point: it cannot be renamed over, so the home is built
# inside it.
mkdir "$T/mnt"
if mount -t tmpfs -o size=16m tmpfs "$T/mnt"; then
	at_exit umount "$T/mnt"
	check "init on an empty mount point" "$RUV" --home "$T/mnt" init
	check "the mount point became a home" test -f "$T/mnt/repository.db"
	check_eq "the mount point holds the home's parts only" \
		"jcl logs pools repository.db" "$(home_parts "$T/mnt")"
	check "the mount point is still a mount point" mountpoint -q "$T/mnt"
	check "the home on the mount point opens" "$RUV" --home "$T/mnt" file list
	check "no stray HOME.init-* beside the mount point" \
		sh -c "! ls -d '$T'/mnt.init-* 2>/dev/null"
	umount "$T/mnt"
else
	not_ok "init on an empty mount point: cannot mount a tmpfs"
fi

# An empty home owned by the user, in a parent the user may not write.
# The binary and the config are copied where nobody can reach them (the
# build tree may be in a directory nobody cannot enter).
chmod 0755 "$T"
cp "$RUV" "$T/ruv.copy" && cp "$RUV_CONFIG" "$T/ruv.ini.copy"
chmod 0755 "$T/ruv.copy" && chmod 0644 "$T/ruv.ini.copy"
mkdir -m 0755 "$T/rootonly" && mkdir "$T/rootonly/mine"
chown nobody "$T/rootonly/mine"
check "init as nobody in a parent nobody cannot write" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	env RUV_CONFIG="$T/ruv.ini.copy" \
	"$T/ruv.copy" --home "$T/rootonly/mine" init
check "the user's directory became a home" test -f "$T/rootonly/mine/repository.db"
check_eq "the user's home holds the home's parts only" \
	"jcl logs pools repository.db" "$(home_parts "$T/rootonly/mine")"
check_eq "the repository belongs to the user" nobody \
	"$(stat -c %U "$T/rootonly/mine/repository.db")"
check "the user's home opens as the user" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	env RUV_CONFIG="$T/ruv.ini.copy" \
	"$T/ruv.copy" --home "$T/rootonly/mine" location list
check_eq "nothing was left in the parent" mine "$(ls -A "$T/rootonly")"

# What a crashed init leaves inside a directory does not make it occupied.
mkdir -p "$T/crashed/.ruv-init-Ab12Cd/jcl"
: >"$T/crashed/.ruv-init-Ab12Cd/repository.db"
check "init over a crashed init's leftover" "$RUV" --home "$T/crashed" init
check_eq "the leftover is gone" "jcl logs pools repository.db" \
	"$(home_parts "$T/crashed")"
check "the new home opens" "$RUV" --home "$T/crashed" file list
mkdir "$T/crashed2" && touch "$T/crashed2/.ruv-init-x" "$T/crashed2/other"
check_fail "a leftover beside a real file: still not empty" 1 "not empty" \
	"$RUV" --home "$T/crashed2" init
check_eq "and nothing was touched" ".ruv-init-x other" "$(home_parts "$T/crashed2")"
# A crash half way through moving the parts up: some are in the home
# already (empty directories), the repository is not.
mkdir -p "$T/crashed3/.ruv-init-Zz9Yy8/pools/offsite" "$T/crashed3/jcl" "$T/crashed3/pools/local" "$T/crashed3/logs"
: >"$T/crashed3/.ruv-init-Zz9Yy8/repository.db"
check "init over a half moved-up crashed init" "$RUV" --home "$T/crashed3" init
check_eq "one home, no leftover" "jcl logs pools repository.db" "$(home_parts "$T/crashed3")"
check "and it opens" "$RUV" --home "$T/crashed3" location list
mkdir -p "$T/crashed4/.ruv-init-Qq1Ww2" "$T/crashed4/jcl"
printf 'mine\n' >"$T/crashed4/jcl/NOTES"
check_fail "a directory holding a file is not the crashed init's" 1 "not empty" \
	"$RUV" --home "$T/crashed4" init
check_eq "and it is kept" mine "$(cat "$T/crashed4/jcl/NOTES")"

# Two inits inside one directory: the second refuses while the first holds
# the directory's lock (flock(1) stands in for the first).
mkdir "$T/busy"
check_fail "init while another init holds the directory" 1 "another 'ruv init'" \
	flock "$T/busy" "$RUV" --home "$T/busy" init
check_eq "the busy directory is untouched" "" "$(home_parts "$T/busy")"

check_fail "init needs an existing parent" 1 "parent" \
	"$RUV" --home "$T/no/such/home" init
check_fail "init on a file" 1 "not a directory" "$RUV" --home "$T/full/x" init

check_fail "init takes no operands" 2 "unexpected argument" "$RUV" init extra
(unset RUV_HOME; "$RUV" init) >"$T/out" 2>"$T/err"
check_eq "no home named anywhere: exit 1" 1 $?
check "no home named anywhere: says how" grep -q "no RUV home" "$T/err"

check "--home=DIR form" "$RUV" --home="$T/h2" init
check "the --home=DIR home exists" test -f "$T/h2/repository.db"
check "RUV_HOME works" env RUV_HOME="$T/h3" "$RUV" init
check "the RUV_HOME home exists" test -f "$T/h3/repository.db"
printf '[ruv]\nhome = %s\n' "$T/h4" >"$T/h4.ini"
check "home= in the config works" env -u RUV_HOME "$RUV" --config "$T/h4.ini" init
check "the config's home exists" test -f "$T/h4/repository.db"
check "--home beats RUV_HOME" env RUV_HOME="$T/unused" "$RUV" --home "$T/h5" init
check "and RUV_HOME was not used" test ! -e "$T/unused"

check "history records init" sh -c "'$RUV' history | grep -q ' init '"
done_testing
