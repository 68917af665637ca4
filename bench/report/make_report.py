#!/usr/bin/env python3
"""Turns db_bench JSON results into a Markdown report with a chart.

    make_report.py --out DIR [--title TITLE] [--defaults D.json --defaults-link L]
                   results.json [more.json ...]

Writes into DIR:
  README.md           tables: ops/s per workload and engine with the ratios of
                      lsm to each other engine, then (with --defaults) the same
                      table from a second run with each engine's own defaults,
                      then per-workload details (MB/s, latency percentiles,
                      peak RSS, amplification); a workload an engine does not
                      support shows "not supported" and why
  ops_per_sec.svg     grouped bars of ops/s per workload per engine (gnuplot)
  p99_latency.svg     the same for p99 latency
  *.dat, *.gp         the chart data and gnuplot scripts (re-run by hand)
  results.json        the merged input

Several inputs are merged; a later file's result for the same engine and
workload label replaces an earlier one. Python 3 standard library only;
without gnuplot the charts are skipped and the report says so.
"""

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys

ENGINE_ORDER = ["lsm", "leveldb", "rocksdb", "lmdb", "wiredtiger"]
ENGINE_COLORS = {"lsm": "#1f77b4", "leveldb": "#ff7f0e", "rocksdb": "#2ca02c",
                 "lmdb": "#d62728", "wiredtiger": "#9467bd"}
UNSUPPORTED = "not supported"
ROCKSDB_NOTE = (
    "Debian's RocksDB (librocksdb) is built with assertions enabled, so its "
    "numbers understate a release build of RocksDB.")


def load(paths):
    """Merges the JSON documents; returns (doc, results in first-seen order)."""
    merged = None
    results = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if merged is None:
            merged = {k: v for k, v in doc.items() if k != "results"}
            merged.setdefault("engines", [])
            merged.setdefault("notes", [])
        else:
            known = {e.get("name") for e in merged["engines"]}
            merged["engines"] += [e for e in doc.get("engines", [])
                                  if e.get("name") not in known]
            merged["notes"] += [n for n in doc.get("notes", [])
                                if n not in merged["notes"]]
        for r in doc.get("results", []):
            results[(r["engine"], r.get("label", r["workload"]))] = r
    if merged is None:
        raise SystemExit("make_report: no input")
    merged["results"] = list(results.values())
    return merged


def ordered(items, preferred):
    """items in first-seen order, those in preferred first in its order."""
    seen = []
    for i in items:
        if i not in seen:
            seen.append(i)
    return [p for p in preferred if p in seen] + [i for i in seen if i not in preferred]


def fmt_num(x, digits=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    r = a / b
    text = f"{r:.2f}×"
    return f"**{text}**" if r < 1.0 else text


def machine_info(doc):
    m = dict(doc.get("machine") or {})
    if not m.get("nproc"):
        m["nproc"] = os.cpu_count()
    if not m.get("cpu_model"):
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("model name"):
                        m["cpu_model"] = line.split(":", 1)[1].strip()
                        break
        except OSError:
            m["cpu_model"] = platform.processor() or "unknown"
    return m


def write_dat(path, labels, engines, table):
    """table[(engine, label)] -> number or None; '?' marks a missing value."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("# workload " + " ".join(engines) + "\n")
        for label in labels:
            cells = []
            for e in engines:
                v = table.get((e, label))
                cells.append("?" if v is None or v <= 0 else f"{v:.6g}")
            f.write(f'"{label}" ' + " ".join(cells) + "\n")


def write_chart(out_dir, stem, labels, engines, table, ylabel, title):
    """Writes stem.dat and stem.gp and runs gnuplot; returns the SVG name or
    None when gnuplot is missing or fails."""
    write_dat(os.path.join(out_dir, stem + ".dat"), labels, engines, table)
    values = [v for v in table.values() if v and v > 0]
    log = bool(values) and max(values) / min(values) > 20
    lines = [
        f"set terminal svg size {max(700, 90 * len(labels) + 200)},480 "
        "dynamic enhanced font 'sans,11' background rgb 'white'",
        f"set output '{stem}.svg'",
        f"set title '{title}'",
        "set datafile missing '?'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set xtics rotate by -35 nomirror",
        "set grid ytics",
        "set key top right",
        "set format y '%.0s%c'",
        f"set ylabel '{ylabel}{' (log scale)' if log else ''}'",
    ]
    if log:
        lines += ["set logscale y", f"set yrange [{min(values) / 2:.6g}:{max(values) * 2:.6g}]"]
    else:
        lines += ["set yrange [0:*]"]
    plots = []
    for i, e in enumerate(engines):
        src = f"'{stem}.dat'" if i == 0 else "''"
        xtic = ":xtic(1)" if i == 0 else ""
        color = f" lc rgb '{ENGINE_COLORS[e]}'" if e in ENGINE_COLORS else ""
        plots.append(f"{src} using {i + 2}{xtic} title '{e}'{color}")
    lines.append("plot " + ", ".join(plots))
    with open(os.path.join(out_dir, stem + ".gp"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if shutil.which("gnuplot") is None:
        return None
    proc = subprocess.run(["gnuplot", stem + ".gp"], cwd=out_dir,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(f"make_report: gnuplot failed for {stem}:\n{proc.stderr}")
        return None
    return stem + ".svg"


def throughput_table(doc):
    """The ops/s table of one run (Markdown lines): a row per workload, a
    column per engine, then lsm's ratio to each other engine."""
    results = doc["results"]
    engines = ordered([r["engine"] for r in results], ENGINE_ORDER)
    labels = ordered([r.get("label", r["workload"]) for r in results], [])
    by = {(r["engine"], r.get("label", r["workload"])): r for r in results}
    ops = {k: r.get("ops_per_sec") for k, r in by.items() if not r.get("unsupported")}
    out = []
    head = ["workload"] + engines
    ratio_cols = [other for other in engines if "lsm" in engines and other != "lsm"]
    head += [f"lsm/{o}" for o in ratio_cols]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    wins = {o: [0, 0] for o in ratio_cols}
    unsupported = []
    for label in labels:
        row = [f"`{label}`"]
        for e in engines:
            r = by.get((e, label))
            if r is not None and r.get("unsupported"):
                row.append(UNSUPPORTED)
                unsupported.append(f"`{label}` on {e}: {r['unsupported']}")
            else:
                row.append(fmt_num(ops.get((e, label))))
        for o in ratio_cols:
            a, b = ops.get(("lsm", label)), ops.get((o, label))
            row.append(fmt_ratio(a, b))
            if a is not None and b:
                wins[o][1] += 1
                wins[o][0] += a >= b
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    if ratio_cols:
        out.append("Ratios below 1.0× (lsm slower) are in bold. " + "; ".join(
            f"lsm ≥ 1.0× {o} on {w} of {n} workloads" for o, (w, n) in wins.items()) + ".\n")
    if unsupported:
        out.append("Not supported (the engine has no such operation; no number is made up):\n")
        out += [f"- {u}" for u in unsupported]
        out.append("")
    return out


def same_config_spread(first, second, engine):
    """(largest ratio, its workload) between engine's ops/s in two runs where it
    had the same configuration, or None when it is not in both."""
    def ops(doc):
        return {r.get("label", r["workload"]): r.get("ops_per_sec") for r in doc["results"]
                if r["engine"] == engine and not r.get("unsupported") and r.get("ops_per_sec")}
    a, b = ops(first), ops(second)
    spread = [(max(a[k], b[k]) / min(a[k], b[k]), k) for k in a if k in b]
    return max(spread) if spread else None


def options_line(cfg):
    if cfg.get("engine_defaults"):
        return (f"- Options: each engine's own defaults, plus bloom filters of "
                f"{cfg.get('bloom_bits')} bits/key where the engine has them "
                "(bench/README.md says what that means per engine)")
    shape = ""
    if "target_file_size" in cfg:
        shape = (f"tables {cfg['target_file_size'] >> 10} KiB, level 1 "
                 f"{cfg.get('max_bytes_for_level_base', 0) >> 10} KiB, ")
    return (f"- Shared options: write buffer {cfg.get('write_buffer_size', 0) >> 10} KiB, "
            f"{shape}block {cfg.get('block_size')} B, block cache "
            f"{cfg.get('cache_size', 0) >> 10} KiB, bloom {cfg.get('bloom_bits')} bits/key, "
            f"compression {cfg.get('compression')}, "
            f"{cfg.get('max_background_jobs')} background jobs (bench/README.md says what each "
            "maps to per engine, and which have no equivalent)")


def render(doc, out_dir, title, defaults=None, defaults_link=None):
    results = doc["results"]
    engines = ordered([r["engine"] for r in results], ENGINE_ORDER)
    labels = ordered([r.get("label", r["workload"]) for r in results], [])
    by = {(r["engine"], r.get("label", r["workload"])): r for r in results}
    ops = {k: r.get("ops_per_sec") for k, r in by.items() if not r.get("unsupported")}
    p99 = {k: r.get("p99") for k, r in by.items() if not r.get("unsupported")}

    charts = [
        write_chart(out_dir, "ops_per_sec", labels, engines, ops, "ops/s",
                    "Throughput per workload (higher is better)"),
        write_chart(out_dir, "p99_latency", labels, engines, p99, "p99 latency (µs)",
                    "p99 latency per workload (lower is better)"),
    ]

    cfg = doc.get("config", {})
    m = machine_info(doc)
    out = []
    out.append(f"# {title}\n")
    out.append(f"Generated from `db_bench` results of {doc.get('date', 'an unknown date')} "
               "by `bench/report/make_report.py`.\n")
    out.append(f"> **Note:** {ROCKSDB_NOTE}\n")
    for note in doc.get("notes", []):
        if note != ROCKSDB_NOTE and "assertions" not in note:
            out.append(f"> {note}\n")

    out.append("## Setup\n")
    mem = m.get("memory_bytes")
    out.append(f"- Machine: {m.get('nproc')} × {m.get('cpu_model', 'unknown CPU')}"
               + (f", {mem / 2**30:.1f} GiB RAM" if mem else "")
               + (f", {m['kernel']}" if m.get("kernel") else ""))
    if m.get("load_average_at_start") is not None:
        load = m["load_average_at_start"]
        busy = (" — other work was competing for the CPUs, so treat small differences as noise"
                if m.get("nproc") and load > 0.5 * m["nproc"] else "")
        out.append(f"- Load average when the run started: {load:.2f}{busy}")
    if cfg:
        out.append(f"- Keys: {cfg.get('num'):,} × {cfg.get('key_size')} B keys, "
                   f"{cfg.get('value_size')} B values (compressible to "
                   f"{cfg.get('compression_ratio')}), threads {cfg.get('threads')}, "
                   f"batch size {cfg.get('batch_size')}")
        out.append(options_line(cfg))
        out.append(f"- Workloads in run order: `{','.join(cfg.get('benchmarks', []))}`")
    for e in doc.get("engines", []):
        out.append(f"- `{e.get('name')}`: {e.get('description', '')}")
    out.append("")

    out.append("## Throughput (ops/s)" + (", one shared shape" if defaults else "") + "\n")
    out += throughput_table(doc)
    for chart, what in zip(charts, ["Throughput", "p99 latency"]):
        if chart:
            out.append(f"![{what}]({chart})\n")
    if not any(charts):
        out.append("(Charts skipped: gnuplot is not installed; the `.gp` scripts are written.)\n")
    if defaults is not None:
        out.append("## Throughput (ops/s), each engine with its own defaults\n")
        out.append("The same workloads in a second run"
                   + (f" ({defaults['date']})" if defaults.get("date") else "") + ". "
                   + options_line(defaults.get("config", {}))[2:] + "."
                   + (f" Details: [{defaults_link}]({defaults_link})." if defaults_link else "")
                   + "\n")
        out += throughput_table(defaults)
        noise = same_config_spread(doc, defaults, "lmdb")
        if noise:
            ratio, label = noise
            out.append("LMDB has the same configuration in both runs (nothing of the shared shape "
                       "applies to it), so its two rows show how far the numbers moved between "
                       f"the runs with nothing changed: up to {ratio:.2f}× (`{label}`) in this "
                       "one. Read differences between the two tables with that in mind.\n")

    out.append("## Details per workload\n")
    out.append("Latencies in microseconds per operation. *I/O write amp*: bytes the process "
               "passed to write(2) (WAL, tables, manifest; from /proc/self/io `wchar`) over "
               "the user bytes written, so compaction still running when a workload ends "
               "counts towards the next one. *Peak RSS*: VmHWM, reset at the start of each "
               "workload. *DB MB*: the database directory's size after the workload"
               + (" (WiredTiger's includes its log files, which it preallocates 100 MB at a "
                  "time)" if "wiredtiger" in engines else "")
               + ". *w-amp*/*r-amp*: from `lsm.stats` when it reports them.\n")
    for label in labels:
        out.append(f"### `{label}`\n")
        out.append("| engine | ops/s | MB/s | µs/op | p50 | p99 | p99.9 | peak RSS MB | "
                   "I/O write amp | DB MB | other |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for e in engines:
            r = by.get((e, label))
            if r is None:
                continue
            if r.get("unsupported"):
                out.append(f"| {e} | {UNSUPPORTED}: {r['unsupported']} |" + " |" * 9)
                continue
            x = r.get("extra", {})
            other = []
            if "found" in x:
                other.append(f"found {fmt_num(x['found'])} of {fmt_num(r.get('ops'))}")
            if "writer_ops_per_sec" in x:
                other.append(f"writer {fmt_num(x['writer_ops_per_sec'])} ops/s")
            if "write_amp" in x:
                other.append(f"w-amp {x['write_amp']:.2f}")
            if "read_amp" in x:
                other.append(f"r-amp {x['read_amp']:.2f}")
            out.append("| " + " | ".join([
                e, fmt_num(r.get("ops_per_sec")), fmt_num(r.get("mb_per_sec"), 1),
                fmt_num(r.get("micros_per_op"), 3), fmt_num(r.get("p50"), 2),
                fmt_num(r.get("p99"), 2), fmt_num(r.get("p999"), 2),
                fmt_num(x.get("peak_rss_mb"), 0), fmt_num(x.get("io_write_amp"), 2),
                fmt_num(x.get("db_size_mb"), 1), ", ".join(other)]) + " |")
        out.append("")

    stats = [e for e in doc.get("engines", []) if e.get("final_stats")]
    if stats:
        out.append("## Engine statistics after the last workload\n")
        for e in stats:
            out.append(f"<details><summary>{e['name']}</summary>\n\n```\n"
                       f"{e['final_stats'].rstrip()}\n```\n</details>\n")
    return "\n".join(out) + "\n"


MICRO_COUNTERS_SKIPPED = {"name", "run_name", "run_type", "repetitions", "repetition_index",
                          "threads", "iterations", "real_time", "cpu_time", "time_unit",
                          "family_index", "per_family_instance_index", "aggregate_name",
                          "items_per_second", "bytes_per_second", "error_occurred",
                          "error_message"}


def render_micro(micro_dir):
    """A Markdown section from the Google Benchmark JSON files in micro_dir."""
    out = ["## Micro suite (Google Benchmark, short min time)\n"]
    for fname in sorted(os.listdir(micro_dir)):
        if not fname.endswith(".json"):
            continue
        with open(os.path.join(micro_dir, fname), encoding="utf-8") as f:
            doc = json.load(f)
        out.append(f"### `{fname[:-5]}`\n")
        out.append("| benchmark | time | CPU | items/s | bytes/s | counters |")
        out.append("|---|---:|---:|---:|---:|---|")
        for b in doc.get("benchmarks", []):
            unit = b.get("time_unit", "ns")
            if b.get("error_occurred"):
                out.append(f"| `{b['name']}` | error: {b.get('error_message', '')} | | | | |")
                continue
            counters = ", ".join(f"{k} {v:.3g}" for k, v in b.items()
                                 if k not in MICRO_COUNTERS_SKIPPED and isinstance(v, (int, float)))
            bps = b.get("bytes_per_second")
            out.append("| " + " | ".join([
                f"`{b['name']}`", f"{b['real_time']:.4g} {unit}", f"{b['cpu_time']:.4g} {unit}",
                fmt_num(b.get("items_per_second")),
                "–" if bps is None else f"{bps / 1e6:.1f} MB/s", counters]) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--title", default="lsm beside other engines (db_bench)")
    parser.add_argument("--micro", help="directory of Google Benchmark JSON files to append")
    parser.add_argument("--defaults", help="db_bench --json file of a run with --engine_defaults, "
                        "whose throughput table follows the first")
    parser.add_argument("--defaults-link", help="where that run's own report is (a relative link)")
    parser.add_argument("inputs", nargs="+", help="db_bench --json files")
    args = parser.parse_args(argv)
    doc = load(args.inputs)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    defaults = load([args.defaults]) if args.defaults else None
    text = render(doc, args.out, args.title, defaults, args.defaults_link)
    if args.micro:
        text += "\n" + render_micro(args.micro)
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"make_report: wrote {os.path.join(args.out, 'README.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
