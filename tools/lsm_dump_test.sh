#!/usr/bin/env bash
# End-to-end test of lsm-dump: listing, --stats, --verify, --json, damage
# (exit 1 with the block's offset), bad paths and non-SST input (exit 2).
set -uo pipefail

DUMP="$1"
GEN="$2"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
source "$(dirname "$0")/testlib.sh" || exit 1
SST="$TMP/t.sst"

"$GEN" "$SST" || { echo "sst_gen failed"; exit 1; }

# Default listing.
expect_exit 0 "$DUMP" "$SST"
expect_out "KEY"
expect_out "apple"
expect_out '\x00\x01bin'
expect_out "DEL"
expect_out "yellow"
expect_out "key00499"
expect_out "(505 entries, 1 range tombstones)"
grep -qE '^cherry +12  DELRANGE  key00010$' "$TMP/out" || fail "the range tombstone's row is missing"
expect_out "... (100 bytes)"  # the long value is truncated
grep -q "banana.*9.*DEL" "$TMP/out" || fail "banana's tombstone row missing"

# --stats.
expect_exit 0 "$DUMP" --stats "$SST"
expect_out "data blocks:"
expect_out "compression:      snappy"
expect_out "bits/entry"
expect_out "lsm.num.entries              505"
expect_out "lsm.num.deletions            1"

# --verify.
expect_exit 0 "$DUMP" --verify "$SST"
expect_out "OK:"
expect_out "505 entries"

# --json.
expect_exit 0 "$DUMP" --json --stats --verify "$SST"
expect_out '"ok": true'
expect_out '"data_blocks"'
expect_exit 0 "$DUMP" --json "$SST"
expect_out '"key": "apple"'
expect_out '"type": "DEL"'
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["entries"]
assert len(e) == 506 and [x["end"] for x in e if x["type"] == "DELRANGE"] == ["key00010"]' \
    "$TMP/out" || fail "--json output is not valid JSON with 505 entries and 1 range tombstone"
fi

# --help.
expect_exit 0 "$DUMP" --help
expect_out "Usage: lsm-dump"

# Bad usage, bad path, not an SST: one line on stderr, exit 2.
expect_exit 2 "$DUMP" --bogus "$SST"
expect_exit 2 "$DUMP"
expect_exit 2 "$DUMP" "$TMP/does-not-exist.sst"
expect_one_line_err
echo "just some text, not an SST at all; long enough to hold a footer........" >"$TMP/text.sst"
expect_exit 2 "$DUMP" "$TMP/text.sst"
expect_one_line_err
expect_err "not an SST"
: >"$TMP/empty.sst"
expect_exit 2 "$DUMP" "$TMP/empty.sst"
expect_one_line_err

# Damage inside the first data block: --verify and the listing exit 1 and
# name the block at offset 0.
cp "$SST" "$TMP/bad.sst"
printf '\xff' | dd of="$TMP/bad.sst" bs=1 seek=100 conv=notrunc status=none
expect_exit 1 "$DUMP" --verify "$TMP/bad.sst"
expect_err "block at offset 0: checksum mismatch"
expect_one_line_err
expect_exit 1 "$DUMP" "$TMP/bad.sst"
expect_err "block at offset 0"

# Damage in the footer's checksummed part: exit 1 at open.
cp "$SST" "$TMP/badfooter.sst"
size=$(stat -c %s "$SST")
printf '\x01' | dd of="$TMP/badfooter.sst" bs=1 seek=$((size - 20)) conv=notrunc status=none
expect_exit 1 "$DUMP" --verify "$TMP/badfooter.sst"
expect_err "footer"

finish
