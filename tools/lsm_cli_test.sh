#!/usr/bin/env bash
# End-to-end test of lsm-cli: a scripted session compared with golden stdout and
# stderr (testdata/cli_session.*), one-shot commands and their exit statuses,
# binary escapes, and every error path: missing DB, not a DB, a DB locked by
# another process, bad flags, malformed commands.
set -uo pipefail

CLI="$1"
TESTDATA="$(dirname "$2")"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
source "$(dirname "$0")/testlib.sh" || exit 1

DB="$TMP/db"

# ---- The scripted session (stdin is not a terminal: script mode). ----
"$CLI" --db "$DB" --create_if_missing <"$TESTDATA/cli_session.lsm" >"$TMP/session.out" \
  2>"$TMP/session.err"
code=$?
[[ $code == 2 ]] || fail "the session exited $code, expected 2"
diff -u "$TESTDATA/cli_session.out" "$TMP/session.out" || fail "session stdout differs"
diff -u "$TESTDATA/cli_session.err" "$TMP/session.err" || fail "session stderr differs"

# ---- One-shot commands on the session's DB. ----
expect_exit 0 "$CLI" --db "$DB" get cherry
expect_out_is "black"
expect_exit 1 "$CLI" --db "$DB" get banana
expect_out_is ""
[[ "$(cat "$TMP/err")" == "(not found)" ]] || fail "absent get: stderr '$(cat "$TMP/err")'"
expect_exit 0 "$CLI" --db "$DB" put 'k\x00\x01' 'v\xff "x"'
expect_out_is "OK"
expect_exit 0 "$CLI" --db "$DB" get 'k\x00\x01'
expect_out_is 'v\xff \"x\"'
expect_exit 0 "$CLI" --db "$DB" scan k 'k\x00\x02'
expect_out_is 'k\x00\x01 => v\xff \"x\"'
# Options after the command belong to it, not to the flag parser.
expect_exit 0 "$CLI" --db "$DB" scan --reverse --limit 2
expect_out_is $'key with spaces => v\\x00\\x01\\xff\nk\\x00\\x01 => v\\xff \\"x\\"'
expect_exit 0 "$CLI" --db "$DB" del cherry
expect_exit 1 "$CLI" --db "$DB" get cherry
expect_exit 0 "$CLI" --db "$DB" property lsm.sstables
expect_out "level"
expect_exit 0 "$CLI" --db "$DB" stats
expect_out "Level"
expect_exit 0 "$CLI" --db "$DB" --sync --compression zstd put z 26
expect_exit 0 "$CLI" --db "$DB" flush
expect_exit 0 "$CLI" --db "$DB" compact a z
expect_exit 0 "$CLI" --db "$DB" get z
expect_out_is "26"

# delrange: [FROM, TO) as one range tombstone; a reversed range is refused.
expect_exit 0 "$CLI" --db "$DB" put r1 a
expect_exit 0 "$CLI" --db "$DB" put r2 b
expect_exit 0 "$CLI" --db "$DB" put r3 c
expect_exit 0 "$CLI" --db "$DB" delrange r1 r3
expect_exit 0 "$CLI" --db "$DB" scan r r4
expect_out_is "r3 => c"
expect_exit 1 "$CLI" --db "$DB" delrange r3 r1
expect_one_line_err "sorts after"
printf 'batch\ndelrange r3 r1\ndelrange r3 r4\ncommit\n' | "$CLI" --db "$DB" >"$TMP/out" 2>"$TMP/err"
grep -q "sorts after" "$TMP/err" || fail "a reversed delrange in a batch is not refused"
expect_exit 1 "$CLI" --db "$DB" get r3
expect_err "(not found)"

# mget: one line per key, as of one sequence number; an absent key fails the command.
expect_exit 1 "$CLI" --db "$DB" mget z nothere z
expect_out_is $'z => 26\nnothere (not found)\nz => 26'
expect_exit 0 "$CLI" --db "$DB" mget z
# checkpoint: a consistent copy that lsm-cli opens; never over an existing directory.
expect_exit 0 "$CLI" --db "$DB" checkpoint "$TMP/cp"
expect_exit 0 "$CLI" --db "$TMP/cp" get z
expect_out_is "26"
expect_exit 1 "$CLI" --db "$DB" checkpoint "$TMP/cp"
expect_one_line_err "exists"
# size: bytes of a key range; a reversed range is an error.
expect_exit 0 "$CLI" --db "$DB" size a zz
grep -qE '^[1-9][0-9]*$' "$TMP/out" || fail "size printed $(shown "$TMP/out")"
expect_exit 1 "$CLI" --db "$DB" size zz a
expect_one_line_err "sorts after"
expect_exit 0 "$CLI" --db "$DB" property lsm.estimate-num-keys
grep -qE '^[0-9]+$' "$TMP/out" || fail "estimate-num-keys printed $(shown "$TMP/out")"

# A script with --stop_on_error stops at the first failing line.
printf 'get nothere\nput after stop\n' >"$TMP/stop.lsm"
"$CLI" --db "$DB" --stop_on_error <"$TMP/stop.lsm" >"$TMP/out" 2>"$TMP/err"
[[ $? == 1 ]] || fail "--stop_on_error script did not exit 1"
expect_exit 1 "$CLI" --db "$DB" get after
# Without it, the script goes on and exits with the worst status.
"$CLI" --db "$DB" <"$TMP/stop.lsm" >"$TMP/out" 2>"$TMP/err"
[[ $? == 1 ]] || fail "failing script did not exit 1"
expect_exit 0 "$CLI" --db "$DB" get after
expect_out_is "stop"
# A script that ends inside a batch fails and writes nothing.
printf 'batch\nput inbatch 1\n' | "$CLI" --db "$DB" >"$TMP/out" 2>"$TMP/err"
[[ $? == 1 ]] || fail "a script ending in a batch did not exit 1"
expect_exit 1 "$CLI" --db "$DB" get inbatch

# ---- Help. ----
expect_exit 0 "$CLI" --help
expect_out "scan [FROM] [TO] [--limit N] [--reverse]"
expect_out "--create_if_missing"

# ---- Usage errors: exit 2, one line, the DB untouched. ----
expect_exit 2 "$CLI" get a
expect_err "--db DIR is required"
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" --bogus get a
expect_err "unknown flag --bogus"
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" --sync=maybe get a
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" --compression lz4 get a
expect_one_line_err
expect_exit 2 "$CLI" --db
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" frobnicate
expect_err "unknown command 'frobnicate'"
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" put onlykey
expect_err "usage: put K V"
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" get 'bad\q'
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" get 'a\x4'
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" scan --limit many
expect_one_line_err
expect_exit 2 "$CLI" --db "$DB" commit
expect_one_line_err
expect_exit 2 "$CLI" --db "$TMP/never" frob
[[ -e "$TMP/never" ]] && fail "a usage error created the DB directory"

# ---- Runtime errors: exit 1, one line. ----
expect_exit 1 "$CLI" --db "$TMP/missing" get a
expect_err "does not exist"
expect_one_line_err
[[ -e "$TMP/missing" ]] && fail "a get created the missing DB"
mkdir -p "$TMP/empty_dir"
expect_exit 1 "$CLI" --db "$TMP/empty_dir" get a
expect_err "not a DB"
expect_one_line_err
echo "not a directory" >"$TMP/a_file"
expect_exit 1 "$CLI" --db "$TMP/a_file" --create_if_missing get a
expect_one_line_err
expect_exit 1 "$CLI" --db "$DB" property no.such.property
expect_one_line_err

# A DB held by another lsm-cli (reading its script from a fifo) is locked.
mkfifo "$TMP/fifo"
"$CLI" --db "$DB" <"$TMP/fifo" >"$TMP/holder.out" 2>"$TMP/holder.err" &
holder=$!
exec 3>"$TMP/fifo"
echo "put held yes" >&3
for _ in $(seq 1 100); do
  grep -q OK "$TMP/holder.out" 2>/dev/null && break
  sleep 0.05
done
grep -q OK "$TMP/holder.out" || fail "the holder did not start"
expect_exit 1 "$CLI" --db "$DB" get held
expect_err "cannot open DB"
expect_err "another process"
expect_one_line_err
echo "get held" >&3
exec 3>&-
wait "$holder" || fail "the holder exited $?: $(cat "$TMP/holder.err")"
[[ "$(cat "$TMP/holder.out")" == $'OK\nyes' ]] || fail "holder output: $(cat "$TMP/holder.out")"
expect_exit 0 "$CLI" --db "$DB" get held

finish
