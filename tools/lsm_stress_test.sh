#!/usr/bin/env bash
# End-to-end test of lsm-stress: a verified run with a small write buffer (so
# flushes and compactions happen under the checks), the temporary DB's cleanup,
# the crash mode round trip (a finished run, then a kill -9 mid-run, each
# followed by --verify_only), proof that verification catches a wrong value,
# the MANIFEST dump of the crashed DB, and the error paths.
set -uo pipefail

STRESS="$1"
CLI="$2"
MANIFEST_DUMP="$3"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
source "$(dirname "$0")/testlib.sh" || exit 1

# Small everything: many flushes and compactions in a few seconds.
SMALL=(--keys 3000 --key_size 4 --write_buffer_size 65536 --target_file_size 65536
       --max_bytes_for_level_base 262144 --block_cache_size 262144)

# ---- A verified 3-second run on a DB the test keeps. ----
expect_exit 0 "$STRESS" --db "$TMP/run" --duration 3 --threads 4 --sync_pct 1 \
  --report_interval 1 "${SMALL[@]}"
expect_out "final check"
expect_out "keys ("
grep -q "final check.*: OK" "$TMP/out" || fail "the final check did not pass: $(cat "$TMP/out")"
for op in put get delete scan batch; do
  grep -q "^$op " "$TMP/out" || fail "the report lacks a row for $op"
done
expect_out "p99.9(us)"
expect_out "lsm.stats:"
expect_err "progress:"
tables=$(ls "$TMP/run" | grep -c '\.sst$')
((tables >= 2)) || fail "only $tables tables: the run did not flush"
grep -qE "^  L[1-6] " "$TMP/out" || fail "nothing was compacted below L0: $(cat "$TMP/out")"
# lsm-stress needs a fresh DB when it does not resume an expected state.
expect_exit 1 "$STRESS" --db "$TMP/run" --ops 10
expect_err "fresh DB"
expect_one_line_err

# ---- An --ops run on a temporary DB, removed at the end (kept with --keep). ----
mkdir -p "$TMP/tmpdirs"
expect_exit 0 env TEST_TMPDIR="$TMP/tmpdirs" "$STRESS" --ops 3000 --keys 500 --threads 3 \
  --put_pct 100 --get_pct 0 --delete_pct 0 --delete_range_pct 0 --scan_pct 0 --batch_pct 0
expect_out "3,000 ops"
[[ -z "$(ls "$TMP/tmpdirs")" ]] || fail "the temporary DB was not removed: $(ls "$TMP/tmpdirs")"
expect_exit 0 env TEST_TMPDIR="$TMP/tmpdirs" "$STRESS" --ops 300 --keys 100 --keep
[[ -n "$(ls "$TMP/tmpdirs")" ]] || fail "--keep did not keep the temporary DB"

# ---- Crash mode: a finished run, then verify. ----
STATE="$TMP/crash"
expect_exit 0 "$STRESS" --expected_state_dir "$STATE" --ops 20000 "${SMALL[@]}"
expect_out "final check"
expect_exit 0 "$STRESS" --expected_state_dir "$STATE" --verify_only
grep -q "^verify: verified 3,000 keys (.*): OK$" "$TMP/out" || fail "verify: $(cat "$TMP/out")"

# A run killed with SIGKILL mid-flight; meanwhile the expected state is locked.
# The test kills and reaps the run itself: timeout(1) would SIGKILL its own
# process group too and could exit before the run is reaped, its lock released.
"$STRESS" --expected_state_dir "$STATE" --duration 60 --sync_pct 5 \
  "${SMALL[@]}" >"$TMP/killed.out" 2>"$TMP/killed.err" &
killed=$!
sleep 1
expect_exit 1 "$STRESS" --expected_state_dir "$STATE" --verify_only
expect_err "in use by another lsm-stress process"
expect_one_line_err
sleep 1
kill -KILL "$killed"
wait "$killed"
code=$?
[[ $code == 137 ]] || fail "the killed run exited $code, expected 137 (SIGKILL)"
grep -q "resume: verified 3,000 keys" "$TMP/killed.out" || fail "no resume check before the run"
expect_exit 0 "$STRESS" --expected_state_dir "$STATE" --verify_only
grep -q "^verify: verified 3,000 keys (.*): OK$" "$TMP/out" || fail "verify: $(cat "$TMP/out")"

# A second kill, right after the start, then a resumed run that finishes.
"$STRESS" --expected_state_dir "$STATE" --duration 60 --threads 8 "${SMALL[@]}" >/dev/null 2>&1 &
killed=$!
sleep 0.7
kill -KILL "$killed"
wait "$killed"
expect_exit 0 "$STRESS" --expected_state_dir "$STATE" --ops 5000
expect_out "resume: verified 3,000 keys"
grep -q "final check.*: OK" "$TMP/out" || fail "resumed run: $(cat "$TMP/out")"

# The MANIFEST of the crashed and recovered DB replays cleanly.
expect_exit 0 "$MANIFEST_DUMP" "$STATE/db"
expect_out "final state after"
expect_out "add_file: L0"

# Verification is not vacuous: a wrong value and a foreign key are caught.
expect_exit 0 "$CLI" --db "$STATE/db" put 0007 not-a-stress-value
expect_exit 0 "$CLI" --db "$STATE/db" put zzz stray
expect_exit 1 "$STRESS" --expected_state_dir "$STATE" --verify_only
expect_err "MISMATCH key 0007: expected"
expect_err "a 18-byte value lsm-stress never writes ('not-a-stress-value')"
expect_err "'zzz', which lsm-stress never wrote"
expect_out "MISMATCHES"

# ---- Error paths. ----
expect_exit 2 "$STRESS" --bogus
expect_err "unknown flag --bogus"
expect_one_line_err
expect_exit 2 "$STRESS" --put_pct 50
expect_err "add up to 100"
expect_one_line_err
expect_exit 2 "$STRESS" --threads 0
expect_one_line_err
expect_exit 2 "$STRESS" --keys lots
expect_one_line_err
expect_exit 2 "$STRESS" --keys 1000 --key_size 2
expect_one_line_err
expect_exit 2 "$STRESS" --value_size 4
expect_one_line_err
expect_exit 2 "$STRESS" --compression lz4
expect_one_line_err
expect_exit 2 "$STRESS" --verify_only
expect_err "--verify_only needs --expected_state_dir"
expect_one_line_err
expect_exit 2 "$STRESS" positional
expect_one_line_err
expect_exit 1 "$STRESS" --expected_state_dir "$TMP/nothing_here" --verify_only
expect_one_line_err
mkdir -p "$TMP/bad_state"
echo "garbage" >"$TMP/bad_state/expected_state"
expect_exit 2 "$STRESS" --expected_state_dir "$TMP/bad_state" --verify_only
expect_err "not an lsm-stress expected-state file"
expect_one_line_err
expect_exit 0 "$STRESS" --help
expect_out "--expected_state_dir"

finish
