# Helpers of the archive tests (t0090-t0099), sourced after lib.sh.

# stream_raw STREAM OUT: the raw records of every segment of the stream,
# in LSN order (each segment's header skipped: its length is the u32 at
# byte 12).
stream_raw() {
	python3 - "$RUV_HOME/logs/$1" "$2" <<'PYEOF'
import os, struct, sys
d, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as o:
    for n in sorted(f for f in os.listdir(d) if f.endswith(".rlog") and not f.startswith(".")):
        b = open(os.path.join(d, n), "rb").read()
        o.write(b[struct.unpack_from("<I", b, 12)[0]:])
PYEOF
}

# archives_raw STREAM OUT: every record of the stream's ordinary archives
# (user data and UOW), read back with `ruv archive --show --raw`, merged
# in LSN order.  Prints "duplicate LSN N" / "gap before LSN N" if any.
archives_raw() {
	rm -rf "$T/arc.d" && mkdir "$T/arc.d"
	sql "SELECT a.id FROM archive a JOIN archive_range ar ON ar.archive_id = a.id
	     JOIN log_stream s ON s.id = ar.stream_id
	     WHERE s.name = '$1' AND a.consolidated = 0" |
	while read -r id; do
		"$RUV" archive --show "A$id" --raw >"$T/arc.d/$id" || echo "cannot read A$id"
	done
	python3 - "$T/arc.d" "$2" <<'PYEOF'
import os, struct, sys
d, out = sys.argv[1], sys.argv[2]
recs = []
for n in os.listdir(d):
    b = open(os.path.join(d, n), "rb").read()
    i = 0
    while i < len(b):
        ln = struct.unpack_from("<I", b, i)[0]
        recs.append((struct.unpack_from("<Q", b, i + 8)[0], b[i:i + ln]))
        i += ln
recs.sort(key=lambda r: r[0])
for k in range(len(recs)):
    if k and recs[k][0] == recs[k - 1][0]:
        print("duplicate LSN %d" % recs[k][0])
    elif recs[k][0] != (recs[k - 1][0] + 1 if k else recs[0][0]):
        print("gap before LSN %d" % recs[k][0])
with open(out, "wb") as o:
    for r in recs:
        o.write(r[1])
PYEOF
}

# check_round_trip WHAT STREAM: the archives hold every record of the
# stream once, byte for byte.
check_round_trip() {
	stream_raw "$2" "$T/rt.stream"
	_p=$(archives_raw "$2" "$T/rt.arc")
	check_eq "$1: no duplicate, no gap" "" "$_p"
	check_same_file "$1: the archives are the stream, byte for byte" "$T/rt.stream" "$T/rt.arc"
}

# volume_file VOLSER: the path of the volume's file (its row's path is
# relative to its pool's directory, itself relative to the home).
volume_file() {
	sql "SELECT CASE WHEN v.path LIKE '/%' THEN v.path
	            WHEN p.directory LIKE '/%' THEN p.directory || '/' || v.path
	            ELSE '$RUV_HOME/' || p.directory || '/' || v.path END
	     FROM volume v JOIN pool p ON p.id = v.pool_id WHERE v.volser = '$1'"
}

# volumes_whole: every data set the repository registers lies inside its
# volume file.  Prints problems.
volumes_whole() {
	sql "SELECT v.volser || ' ' || (d.vol_offset + d.length) FROM dataset d JOIN volume v ON v.id = d.volume_id" |
	while read -r vs end; do
		p=$(volume_file "$vs")
		[ "$(stat -c %s "$p" 2>/dev/null || echo 0)" -ge "$end" ] || echo "$vs ($p) shorter than $end"
	done
}
