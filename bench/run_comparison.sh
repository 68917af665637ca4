#!/usr/bin/env bash
# run_comparison.sh: the db_bench comparison of lsm, LevelDB and RocksDB, and
# its report.
#
#   bench/run_comparison.sh [--quick] [--name NAME] [--engines LIST] [-- db_bench flags...]
#
#   --quick     200 000 keys and a subset of the workloads (a few minutes; CI)
#   (default)   1 000 000 keys, every workload
#   --name      report folder under bench/reports/ (default: quick or full)
#   --engines   comma list passed to --engine (default: every engine built in)
#
# Builds //bench:db_bench with --config=opt, runs every engine in one process
# (so the ratios come from the same run), then writes the report with
# bench/report/make_report.py into bench/reports/<name>/: README.md (tables),
# ops_per_sec.svg and p99_latency.svg (charts), results.json, console.txt.
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
  benchmarks="fillseq,fillsync,fillsync:8,fillrandom,overwrite,readrandom,readmissing,readseq,seekrandom,readwhilewriting"
  name="${name:-quick}"
  title="lsm vs LevelDB vs RocksDB — quick comparison (200k keys)"
else
  num=1000000
  benchmarks="fillseq,fillsync,fillsync:8,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,readwhilewriting,deleterandom"
  name="${name:-full}"
  title="lsm vs LevelDB vs RocksDB — full comparison (1M keys)"
fi

cd "$root"
./bazelw build --config=opt //bench:db_bench >&2
bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)/bench/db_bench"
[[ -x "$bin" ]] || { echo "run_comparison.sh: $bin was not built" >&2; exit 1; }

out="$root/bench/reports/$name"
mkdir -p "$out"
args=(--num="$num" --benchmarks="$benchmarks" --json="$out/results.json")
[[ -n "$engines" ]] && args+=(--engine="$engines")
echo "run_comparison.sh: $bin ${args[*]} ${extra[*]:-}" >&2
"$bin" "${args[@]}" "${extra[@]}" | tee "$out/console.txt"
python3 "$root/bench/report/make_report.py" --title "$title" --out "$out" "$out/results.json"
echo "run_comparison.sh: report in ${out#"$root"/}/README.md" >&2
