#!/usr/bin/env bash
# End-to-end test of lsm-wal-dump: the table, --json, damage (exit 1 with the
# region's offset, later batches still shown), and bad input (exit 2).
set -uo pipefail

DUMP="$1"
GEN="$2"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
source "$(dirname "$0")/testlib.sh" || exit 1

"$GEN" "$TMP/good.wal" || { echo "wal_gen failed"; exit 1; }
"$GEN" "$TMP/bad.wal" damage || { echo "wal_gen failed"; exit 1; }

# The table.
expect_exit 0 "$DUMP" "$TMP/good.wal"
expect_out "--- Dumping WAL: $TMP/good.wal"
expect_out "SEQ"
grep -qE '^1 +PUT +key-000 +\| value-data-block-000$' "$TMP/out" || fail "row of seq 1 wrong"
grep -qE '^5 +PUT +key-004 +\| value-data-block-004$' "$TMP/out" || fail "row of seq 5 wrong"
grep -qE '^6 +DEL +key-001 +\| $' "$TMP/out" || fail "row of the delete wrong"
expect_out '\x00\x01bin'
expect_out 'bin\xffvalue'
expect_out "$(printf 'x%.0s' {1..40})..."   # the 100-byte value is cut at 40
grep -qE '^11 +DEL +key-004' "$TMP/out" || fail "row of the last delete wrong"
grep -qE '^12 +DELRANGE +key-002 +\| key-004$' "$TMP/out" || fail "row of the range deletion wrong"
expect_out "--- 5 records, 12 entries (9 puts, 2 deletes, 1 range deletes), sequences 1..12, 0 damaged regions (0 bytes) ---"

# JSON lines.
expect_exit 0 "$DUMP" --json "$TMP/good.wal"
[[ $(grep -c '"kind":"entry"' "$TMP/out") == 12 ]] || fail "--json: not 12 entries"
expect_out '"end":"key-004","key":"key-002","kind":"entry","record_offset":'
expect_out '"range_deletes":1' 
expect_out '"key":"key-000","kind":"entry","record_offset":0,"seq":1,"type":"PUT","value":"value-data-block-000","value_size":20'
expect_out '"key":"\\x00\\x01bin"'
expect_out '"kind":"summary"'
expect_out '"damaged_regions":0'
expect_out '"max_seq":12'

# Damage: reported with its offset, the batches after it still shown, exit 1.
expect_exit 1 "$DUMP" "$TMP/bad.wal"
expect_out "!! damaged region at offset"
expect_out "checksum mismatch"
expect_out "key-000"
expect_no_out "long"
grep -qE '^10 +PUT +last' "$TMP/out" || fail "the batch after the damage is missing"
expect_exit 1 "$DUMP" --json "$TMP/bad.wal"
expect_out '"kind":"damage"'
expect_out '"damaged_regions":1'

# An empty file is an empty WAL.
: >"$TMP/empty.wal"
expect_exit 0 "$DUMP" "$TMP/empty.wal"
expect_out "0 records, 0 entries"

# Bad input: one line on stderr, exit 2.
expect_exit 2 "$DUMP" "$TMP/does-not-exist.wal"
expect_one_line_err
expect_err "does-not-exist.wal"
head -c 70000 /dev/urandom >"$TMP/garbage"
expect_exit 2 "$DUMP" "$TMP/garbage"
expect_one_line_err
expect_err "not a WAL file"
printf 'just some text\n' >"$TMP/text"
expect_exit 2 "$DUMP" "$TMP/text"
expect_one_line_err
expect_err "not a WAL file"
expect_exit 2 "$DUMP" "$TMP"
expect_one_line_err
expect_exit 2 "$DUMP"
expect_one_line_err
expect_exit 2 "$DUMP" --no-such-flag "$TMP/good.wal"
expect_one_line_err

# --help.
expect_exit 0 "$DUMP" --help
grep -qF -- "lsm-wal-dump [--json] FILE" "$TMP/out" "$TMP/err" || fail "--help lacks the usage line"

finish
