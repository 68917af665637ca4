#!/bin/sh
# Bazel entry point of the bounded crash test: crash_test.py with the
# lsm-stress built by Bazel. Usage: crash_test.sh LSM_STRESS CRASH_TEST_PY [ARGS...]
set -eu
stress="$1"
driver="$2"
shift 2
exec python3 "$driver" --stress "$stress" "$@"
