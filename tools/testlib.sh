# Shared helpers for the tools' end-to-end tests (sourced, not run).
#
# Each test sets TMP before sourcing; every expect_* records a failure and goes
# on, so one run reports everything that is wrong; finish exits with the verdict.

failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Up to 4000 bytes of a captured stream, for failure messages.
shown() { head -c 4000 "$1"; }

# expect_exit CODE CMD...: runs CMD with stdin from /dev/null (unless the
# caller redirects it), stdout to $TMP/out and stderr to $TMP/err, and checks
# its exit status.
expect_exit() {
  local want="$1"; shift
  "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  local got=$?
  [[ $got == "$want" ]] || fail "$* exited $got, expected $want; stderr: $(shown "$TMP/err")"
}

expect_out() { grep -qF -- "$1" "$TMP/out" || fail "stdout lacks '$1': $(shown "$TMP/out")"; }
expect_no_out() { if grep -qF -- "$1" "$TMP/out"; then fail "stdout has '$1'"; fi; }
expect_out_is() {
  [[ "$(cat "$TMP/out")" == "$1" ]] || fail "stdout is '$(shown "$TMP/out")', expected '$1'"
}
expect_err() { grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1': $(shown "$TMP/err")"; }
expect_one_line_err() {
  [[ $(wc -l <"$TMP/err") == 1 ]] || fail "stderr is not one line: $(shown "$TMP/err")"
}

# The verdict: exit 1 with the number of failures, or print PASS.
finish() {
  if ((failures > 0)); then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "PASS"
}
