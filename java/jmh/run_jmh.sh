#!/usr/bin/env bash
# run_jmh.sh: the JMH benchmarks of io.lsmstore beside RocksJava, and their report.
#
#   java/jmh/run_jmh.sh [--quick] [-- JMH options...]
#
#   (default)  every case, both shapes; point cases on 100 000 keys, scans on
#              1 000 000; 2 warm-up and 3 measured iterations of 2 s, one fork each
#              (about 10 minutes on 2 cores). Report: bench/reports/jvm/.
#   --quick    the shared shape only, 100 000 keys everywhere, 1 iteration of 1 s
#              after 1 s of warm-up (about 2 minutes; CI). Report: bench/reports/quick/jmh/.
#
# Builds //java/jmh:jmh and //bench:jni_cost_bench with --config=opt; runs the
# C++ get/put of jni_cost_bench (the same calls on the same data, straight on
# lsm::DB) and right after it the same two calls through Java (PointBench
# getBytes/putBytes on lsm, shared shape), so the JNI cost compares neighbours
# in time; then the whole comparison, JMH with -prof gc and JSON output; then
# writes README.md (tables, with the Java/C++ ratio) and ratio.svg (chart) with
# make_jmh_report.py, beside results.json, cpp.json, jni.json and console.txt.
# Stores go under $LSM_JMH_DIR (default: a temporary directory, deleted at the end).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
quick=0
extra=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--quick] [-- JMH options...]" >&2; exit 2 ;;
  esac
  shift
done

if pgrep -f 'db_bench|run_comparison|_bench |org.openjdk.jmh.Main' >/dev/null; then
  echo "run_jmh: another benchmark is running; wait for it (pgrep -fa 'db_bench|jmh|_bench')" >&2
  exit 1
fi

if ((quick)); then
  out="$root/bench/reports/quick/jmh"
  title="JMH: lsm beside RocksJava (quick)"
  timing=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
  params=(-p shape=SHARED -p entries=100000)
  cpp_time=0.5
else
  out="$root/bench/reports/jvm"
  title="JMH: lsm beside RocksJava"
  timing=(-f 1 -wi 2 -w 2s -i 3 -r 2s)
  params=()
  cpp_time=3
fi

cd "$root"
./bazelw build --config=opt //java/jmh:jmh //bench:jni_cost_bench >&2
bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)"

scratch="${LSM_JMH_DIR:-}"
if [[ -z "$scratch" ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$out"
LSM_BENCH_DIR="$scratch" "$bin/bench/jni_cost_bench" --benchmark_min_time="$cpp_time" \
  --benchmark_out="$out/cpp.json" --benchmark_out_format=json 2>&1 | tee "$out/console.txt"
jvm_args="-Dlsmstore.jmh.dir=$scratch -Xms1g -Xmx1g"
"$bin/java/jmh/jmh" 'PointBench\.(get|put)Bytes$' -p engine=lsm -p shape=SHARED -jvmArgs "$jvm_args" \
  -rf json -rff "$out/jni.json" "${timing[@]}" 2>&1 | tee -a "$out/console.txt"
"$bin/java/jmh/jmh" -jvmArgs "$jvm_args" -prof gc -rf json -rff "$out/results.json" \
  "${timing[@]}" "${params[@]}" "${extra[@]}" 2>&1 | tee -a "$out/console.txt"
python3 "$root/java/jmh/make_jmh_report.py" "$out/results.json" "$out" "$title" "$out/cpp.json" \
  "$out/jni.json"
echo "report: $out/README.md"
