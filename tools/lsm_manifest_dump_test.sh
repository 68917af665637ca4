#!/usr/bin/env bash
# End-to-end test of lsm-manifest-dump on a DB that an lsm-cli session built
# (two flushes, then a compaction): the edits, the replayed levels, --json,
# damage (exit 1 with the offset), and bad arguments (exit 2). The session's
# other files go through lsm-dump and lsm-wal-dump too, so the suite is checked
# as a whole.
set -uo pipefail

DUMP="$1"
CLI="$2"
SST_DUMP="$3"
WAL_DUMP="$4"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
source "$(dirname "$0")/testlib.sh" || exit 1

DB="$TMP/db"
"$CLI" --db "$DB" --create_if_missing >/dev/null <<'EOF' || fail "the cli session failed"
put apple 1
put banana 2
put "c\x00bin" 3
flush
put date 4
del apple
flush
compact
put elder 5
EOF

# ---- Text. ----
expect_exit 0 "$DUMP" "$DB"
expect_out "MANIFEST-"
expect_out "edit 1 at offset 0:"
expect_out "add_file: L0"
expect_out "remove_file: L0"
expect_out "final state after"
expect_out "last_sequence"
# After the compaction no table is left in L0, and one level >= 1 holds
# banana .. date (apple's tombstone was dropped at the bottom level).
expect_no_out "  L0: "
grep -qE "^  L[1-6]: 1 file" "$TMP/out" || fail "no single compacted level: $(cat "$TMP/out")"
grep -qE "'banana' \.\. 'date'  seq 2\.\.4  3 entries" "$TMP/out" || fail "key/seq range: $(cat "$TMP/out")"
# The MANIFEST file by name gives the same result.
manifest=$(ls "$DB" | grep '^MANIFEST-')
[[ $(wc -l <<<"$manifest") == 1 ]] || fail "expected one MANIFEST: $manifest"
cp "$TMP/out" "$TMP/by_dir"
expect_exit 0 "$DUMP" "$DB/$manifest"
diff "$TMP/by_dir" "$TMP/out" >/dev/null || fail "dump by file differs from dump by dir"

# ---- JSON. ----
expect_exit 0 "$DUMP" --json "$DB"
expect_out '"manifest":'
expect_out '"edits": ['
expect_out '"added_files": ['
expect_out '"removed_files": ['
expect_out '"smallest_key": "banana"'
expect_out '"largest_key": "date"'
expect_out '"ok": true'
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"]; assert d["final"]["levels"]' \
    <"$TMP/out" || fail "--json output is not the expected JSON"
fi

# ---- Damage: a flipped byte inside the second record (offsets 13..25). ----
cp "$DB/$manifest" "$TMP/MANIFEST-000777"
printf '\xff' | dd of="$TMP/MANIFEST-000777" bs=1 seek=20 conv=notrunc 2>/dev/null
expect_exit 1 "$DUMP" "$TMP/MANIFEST-000777"
expect_err "damage at offset 13 "
expect_err "checksum"
expect_exit 1 "$DUMP" --json "$TMP/MANIFEST-000777"
expect_out '"ok": false'
expect_out '"damage": ['
# A truncated (torn) last record.
size=$(stat -c %s "$DB/$manifest")
head -c $((size - 3)) "$DB/$manifest" >"$TMP/MANIFEST-000778"
expect_exit 1 "$DUMP" "$TMP/MANIFEST-000778"
expect_err "damage at offset"
# An empty MANIFEST.
: >"$TMP/MANIFEST-000779"
expect_exit 1 "$DUMP" "$TMP/MANIFEST-000779"
expect_err "no edit at all"
# A damaged CURRENT.
mkdir -p "$TMP/badcurrent"
printf 'garbage' >"$TMP/badcurrent/CURRENT"
expect_exit 1 "$DUMP" "$TMP/badcurrent"
expect_err "CURRENT"
expect_one_line_err
# CURRENT naming a missing MANIFEST.
mkdir -p "$TMP/nomanifest"
printf 'MANIFEST-000042\n' >"$TMP/nomanifest/CURRENT"
expect_exit 1 "$DUMP" "$TMP/nomanifest"
expect_err "missing"
expect_one_line_err

# ---- Bad arguments and things that are not a MANIFEST: exit 2, one line. ----
expect_exit 2 "$DUMP"
expect_one_line_err
expect_exit 2 "$DUMP" "$DB" extra
expect_one_line_err
expect_exit 2 "$DUMP" --bogus "$DB"
expect_one_line_err
expect_exit 2 "$DUMP" "$TMP/does-not-exist"
expect_err "no such file"
expect_one_line_err
mkdir -p "$TMP/not_a_db"
expect_exit 2 "$DUMP" "$TMP/not_a_db"
expect_err "not a DB directory"
expect_one_line_err
head -c 5000 /dev/urandom >"$TMP/random.bin"
expect_exit 2 "$DUMP" "$TMP/random.bin"
expect_err "not a MANIFEST"
expect_one_line_err
sst=$(ls "$DB" | grep '\.sst$' | head -1)
expect_exit 2 "$DUMP" "$DB/$sst"
expect_one_line_err
expect_exit 0 "$DUMP" --help
expect_out "--json"

# ---- The session's table and log through the other dump tools. ----
expect_exit 0 "$SST_DUMP" "$DB/$sst"
expect_out "banana"
expect_out 'c\x00bin'
log=$(ls "$DB" | grep '\.log$' | tail -1)
expect_exit 0 "$WAL_DUMP" "$DB/$log"
expect_out "elder"

finish
