#!/usr/bin/env bash
# run_comparison.sh: the db_bench comparison of lsm, LevelDB, RocksDB, LMDB and
# WiredTiger, and its report.
#
#   bench/run_comparison.sh [--quick] [--name NAME] [--engines LIST] [-- db_bench flags...]
#
#   --quick     200 000 keys and a subset of the workloads (a few minutes; CI)
#   (default)   1 000 000 keys, every workload
#   --name      report folder under bench/reports/ (default: quick or full)
#   --engines   comma list passed to --engine (default: every engine built in)
#
# db_bench runs twice: every engine with the same shape (LevelDB's: 4 MiB
# memtables, 2 MiB tables, 10 MiB L1, 8 MiB cache, mapped onto each engine
# where it has an equivalent, see bench/README.md), then every engine with its
# own default options (--engine_defaults; bloom filters of 10 bits/key where
# the engine has them). The main report shows both throughput tables; the
# second run's full report goes to bench/reports/<name>/defaults/. A third run,
# lsm alone with its defaults but blocks stored uncompressed
# (--lsm_compression=none: mapped tables then read in place), is reported
# against the second run's peers in bench/reports/<name>/defaults-uncompressed/.
#
# Builds //bench:db_bench and the micro suite with --config=opt, runs every
# engine in one process (so the ratios come from the same run), then the micro
# suite (min time 0.05 s with --quick, 0.5 s otherwise), then writes the report
# with bench/report/make_report.py into bench/reports/<name>/: README.md
# (tables), ops_per_sec.svg and p99_latency.svg (charts), results.json,
# console.txt, and micro/<binary>.{json,txt}.
# Extra flags after "--" go to db_bench (e.g. -- --threads=2 --db=/mnt/ssd/x).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0
name=""
engines=""
extra=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --name) name="$2"; shift ;;
    --name=*) name="${1#--name=}" ;;
    --engines) engines="$2"; shift ;;
    --engines=*) engines="${1#--engines=}" ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run_comparison.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if ((quick)); then
  num=200000
  benchmarks="fillseq,fillsync,fillsync:8,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,readwhilewriting"
  name="${name:-quick}"
  title="lsm beside LevelDB, RocksDB, LMDB and WiredTiger — quick comparison (200k keys)"
else
  num=1000000
  benchmarks="fillseq,fillsync,fillsync:8,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,readwhilewriting,deleterandom"
  name="${name:-full}"
  title="lsm beside LevelDB, RocksDB, LMDB and WiredTiger — full comparison (1M keys)"
fi

micro_benches=(memtable_bench wal_bench table_bench db_micro_bench)

cd "$root"
./bazelw build --config=opt //bench:db_bench "${micro_benches[@]/#/\/\/bench:}" >&2
bindir="$(./bazelw info --config=opt bazel-bin 2>/dev/null)/bench"
bin="$bindir/db_bench"
[[ -x "$bin" ]] || { echo "run_comparison.sh: $bin was not built" >&2; exit 1; }

# Before each db_bench run of the full comparison: write back dirty pages and
# wait (up to 90 s) for the 1-minute load average to fall below 1, so that
# neither mode starts while the previous run's write-back or other work still
# holds the CPUs (the report prints the load average each run started at).
settle() {
  ((quick)) && return 0
  sync
  local waited
  for ((waited = 0; waited < 90; waited++)); do
    awk '{ exit !($1 < 1.0) }' /proc/loadavg && return 0
    sleep 1
  done
}

# A peer engine can hang: WiredTiger 3.2.1's LSM tree deadlocked twice here in
# overwrite (a writer in __wt_clsm_await_switch, its switch worker waiting on
# a mutex, the checkpoint in __wt_log_write, no CPU used for 10 minutes). A
# db_bench run that outlives its limit (several times its usual length) is
# killed and run once more; a second hang fails the script.
run_db_bench() {  # console file, db_bench args...
  local console="$1"; shift
  local limit=$((quick ? 600 : 2400)) attempt rc=0
  for attempt in 1 2; do
    set +e
    timeout --kill-after=30 "$limit" "$bin" "$@" | tee "$console"
    rc=${PIPESTATUS[0]}
    set -e
    ((rc == 124 || rc == 137)) || return "$rc"
    echo "run_comparison.sh: db_bench ran over $limit s (attempt $attempt): an engine hung" >&2
    settle
  done
  return "$rc"
}

out="$root/bench/reports/$name"
mkdir -p "$out"
args=(--num="$num" --benchmarks="$benchmarks" --json="$out/results.json")
[[ -n "$engines" ]] && args+=(--engine="$engines")
echo "run_comparison.sh: $bin ${args[*]} ${extra[*]:-}" >&2
settle
run_db_bench "$out/console.txt" "${args[@]}" "${extra[@]}"

defaults="$out/defaults"
mkdir -p "$defaults"
dargs=(--num="$num" --benchmarks="$benchmarks" --json="$defaults/results.json" --engine_defaults)
[[ -n "$engines" ]] && dargs+=(--engine="$engines")
echo "run_comparison.sh: $bin ${dargs[*]} ${extra[*]:-}" >&2
settle
run_db_bench "$defaults/console.txt" "${dargs[@]}" "${extra[@]}"

# lsm with its defaults but compression none, beside the peers of the run
# above (make_report lets the later file's lsm results replace the earlier).
uncompressed="$out/defaults-uncompressed"
if [[ -z "$engines" || ",$engines," == *",lsm,"* ]]; then
  mkdir -p "$uncompressed"
  uargs=(--num="$num" --benchmarks="$benchmarks" --json="$uncompressed/lsm.json" --engine_defaults
         --engine=lsm --lsm_compression=none)
  echo "run_comparison.sh: $bin ${uargs[*]} ${extra[*]:-}" >&2
  settle
  run_db_bench "$uncompressed/console.txt" "${uargs[@]}" "${extra[@]}"
fi

# The micro suite, with a short min time in --quick. Its files go to a
# directory on the real disk (/tmp may be a tmpfs, where fdatasync is free).
micro="$out/micro"
mkdir -p "$micro"
scratch="$(mktemp -d "$root/.bench-scratch.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
min_time=0.5
((quick)) && min_time=0.05
for b in "${micro_benches[@]}"; do
  echo "run_comparison.sh: $b --benchmark_min_time=$min_time" >&2
  LSM_BENCH_DIR="$scratch" "$bindir/$b" --benchmark_min_time="$min_time" \
    --benchmark_out="$micro/$b.json" --benchmark_out_format=json | tee "$micro/$b.txt"
done

python3 "$root/bench/report/make_report.py" --title "$title" --out "$out" --micro "$micro" \
  --defaults "$defaults/results.json" --defaults-link defaults/README.md "$out/results.json"
python3 "$root/bench/report/make_report.py" --title "$title, each engine with its own defaults" \
  --out "$defaults" "$defaults/results.json"
if [[ -f "$uncompressed/lsm.json" ]]; then
  python3 "$root/bench/report/make_report.py" \
    --title "$title, each engine with its own defaults; lsm's blocks stored uncompressed" \
    --out "$uncompressed" "$defaults/results.json" "$uncompressed/lsm.json"
fi
echo "run_comparison.sh: report in ${out#"$root"/}/README.md" >&2
