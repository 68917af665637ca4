#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang and
# -fsanitize=fuzzer,address,undefined, generates their seed corpora from real
# files (tests/fuzz/make_corpus), and runs each for SECONDS (default 20).
#
#   .ci/fuzz.sh [SECONDS] [TARGET...]      e.g. .ci/fuzz.sh 600 table db_ops
#
# Bazel's toolchain is gcc, so this compiles the engine directly: every .cc of
# the engine packages the targets need (globbed, tests excluded), once, into
# objects shared by all targets. Work files go to $FUZZ_OUT (default
# /tmp/lsm-fuzz): corpora grow across runs in $FUZZ_OUT/corpus/<target>, and a
# crash is saved as $FUZZ_OUT/artifacts/<target>-crash-*; replay it with
# `bazel run //tests/fuzz:<target>_fuzz_replay_test -- FILE` or the fuzzer
# binary itself. Exits non-zero when a fuzzer found a crash.
set -euo pipefail

SECONDS_PER_TARGET="${1:-20}"
shift || true
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${FUZZ_OUT:-/tmp/lsm-fuzz}"
CXX="${CXX_FUZZ:-clang++-14}"
JOBS="${FUZZ_BUILD_JOBS:-2}"

ALL_TARGETS=()
for f in "$ROOT"/tests/fuzz/*_fuzz.cc; do
  b="$(basename "$f" _fuzz.cc)"
  ALL_TARGETS+=("$b")
done
TARGETS=("${@:-${ALL_TARGETS[@]}}")

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# crc32c.cc builds its tables at compile time: more constexpr steps than
# clang allows by default (gcc has no such limit).
CXXFLAGS="-std=c++20 -O1 -g -I$ROOT -I$ROOT/engine/include -Wno-deprecated-declarations -fconstexpr-steps=100000000"
# The abseil libraries, exactly as third_party/debian.BUILD links them.
ABSL_LIBS="$(grep -o '"-labsl_[a-z_0-9]*"' "$ROOT/third_party/debian.BUILD" | tr -d '"' | tr '\n' ' ')"
LIBS="$ABSL_LIBS -lsnappy -lzstd -lpthread"

# Engine sources: every non-test .cc of the packages below (globbed so the list
# does not rot), without the test-only helpers.
ENGINE_SRCS=()
for dir in util env wal memtable table db; do
  for f in "$ROOT"/engine/"$dir"/*.cc; do
    case "$f" in
      *_test.cc|*_benchmark.cc|*/test_util.cc) continue ;;
    esac
    ENGINE_SRCS+=("$f")
  done
done

mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts"

# Compiles src into $OUT/obj with the given sanitizer flags (skipped when the
# object is newer than its source and every header of the tree).
compile() {
  local src="$1" flags="$2" tag="$3"
  local rel="${src#$ROOT/}"
  local obj="$OUT/obj/$tag/${rel//\//_}.o"
  mkdir -p "$OUT/obj/$tag"
  if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$(find "$ROOT/engine" "$ROOT/tests/fuzz" -name '*.h' -newer "$obj" -print -quit)" ]]; then
    $CXX $CXXFLAGS $flags -c "$src" -o "$obj"
  fi
  echo "$obj"
}

build_objects() {
  local flags="$1" tag="$2"
  shift 2
  local pids=() objs=()
  for src in "$@"; do
    objs+=("$OUT/obj/$tag/$(echo "${src#$ROOT/}" | tr / _).o")
    compile "$src" "$flags" "$tag" >/dev/null &
    pids+=($!)
    if (( ${#pids[@]} >= JOBS )); then
      wait "${pids[0]}"
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "${objs[@]}"
}

echo "== building engine objects (${#ENGINE_SRCS[@]} files) with $CXX"
FUZZ_OBJS="$(build_objects "$SAN -fsanitize=fuzzer-no-link" fuzz "${ENGINE_SRCS[@]}")"
CORPUS_OBJS="$(build_objects "$SAN" plain "${ENGINE_SRCS[@]}" "$ROOT/tests/fuzz/corpus_gen.cc")"

echo "== generating seed corpora"
$CXX $CXXFLAGS $SAN "$ROOT/tests/fuzz/make_corpus_main.cc" $CORPUS_OBJS $LIBS -o "$OUT/bin/make_corpus"
rm -rf "$OUT/seeds"
"$OUT/bin/make_corpus" "$OUT/seeds"

status=0
SUMMARY=()
for t in "${TARGETS[@]}"; do
  echo "== $t: building"
  $CXX $CXXFLAGS $SAN -fsanitize=fuzzer "$ROOT/tests/fuzz/${t}_fuzz.cc" $FUZZ_OBJS $LIBS \
    -o "$OUT/bin/${t}_fuzz"
  mkdir -p "$OUT/corpus/$t"
  echo "== $t: fuzzing for ${SECONDS_PER_TARGET}s"
  set +e
  "$OUT/bin/${t}_fuzz" "$OUT/corpus/$t" "$OUT/seeds/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560 \
    -max_len=65536 -artifact_prefix="$OUT/artifacts/${t}-" >"$OUT/${t}.log" 2>&1
  rc=$?
  set -e
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/${t}.log" | grep -o '[0-9]*$' || echo '?')"
  cov="$(grep -o 'cov: [0-9]*' "$OUT/${t}.log" | tail -1 || true)"
  if [[ $rc -ne 0 ]]; then
    status=1
    SUMMARY+=("$(printf '%-14s FAILED (exit %d) after %s executions; see %s/%s.log' "$t" "$rc" "$execs" "$OUT" "$t")")
    grep -m5 -E 'ERROR|FUZZ_CHECK|runtime error|Test unit written' "$OUT/${t}.log" || true
  else
    SUMMARY+=("$(printf '%-14s ok: %10s executions in %ss, %s, corpus %s files' "$t" "$execs" \
      "$SECONDS_PER_TARGET" "$cov" "$(ls "$OUT/corpus/$t" | wc -l)")")
  fi
done

echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
exit $status
