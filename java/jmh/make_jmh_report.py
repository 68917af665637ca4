#!/usr/bin/env python3
"""Turns JMH's JSON results (lsm beside RocksJava) into README.md and ratio.svg.

    make_jmh_report.py RESULTS_JSON OUT_DIR TITLE [CPP_JSON JNI_JSON]

Every benchmark runs in SampleTime mode, so each result has a mean time per
operation (turned into operations per second, times the thread count), its
percentiles (p50, p99) and, with -prof gc, gc.alloc.rate.norm (bytes allocated
per operation). The ratio column is lsm's throughput over RocksJava's (from the
means), the p50 ratio column RocksJava's median time over lsm's: above 1.0 lsm
is faster. CPP_JSON, Google Benchmark's output of //bench:jni_cost_bench,
and JNI_JSON, JMH's of the same calls through Java run right after it, add the
JNI cost: each C++ call beside its Java call.

RESULTS_JSON and JNI_JSON are rewritten without JMH's raw sample histograms
(megabytes per run; the percentiles stay), so the report folder stays small
enough to commit.
"""
import json
import os
import re
import sys
from collections import OrderedDict

UNIT_NS = {"ns/op": 1.0, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}


def load(path):
    rows = OrderedDict()  # (case, shape) -> {engine: metrics}
    for r in json.load(open(path)):
        bench = r["benchmark"].rsplit(".", 2)
        case = bench[-2] + "." + bench[-1]
        params = r.get("params", {})
        engine, shape = params["engine"], params["shape"]
        pm = r["primaryMetric"]
        scale = UNIT_NS[pm["scoreUnit"]]
        mean_ns = pm["score"] * scale
        p99_ns = pm["scorePercentiles"]["99.0"] * scale
        p50_ns = pm["scorePercentiles"]["50.0"] * scale
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        entries = params.get("entries", "")
        rows.setdefault((case, shape), {})[engine] = {
            "ops": r["threads"] * 1e9 / mean_ns,
            "mean_ns": mean_ns,
            "p99_ns": p99_ns,
            "p50_ns": p50_ns,
            "alloc": alloc,
            "threads": r["threads"],
            "entries": entries,
        }
    return rows


def fmt_time(ns):
    if ns >= 1e6:
        return "%.1f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f µs" % (ns / 1e3)
    return "%.0f ns" % ns


def fmt_ops(ops):
    if ops >= 1e6:
        return "%.2f M" % (ops / 1e6)
    if ops >= 1e3:
        return "%.1f k" % (ops / 1e3)
    return "%.2f" % ops


def fmt_alloc(b):
    return "—" if b is None else "%.0f" % b


def svg(rows, path):
    """Horizontal bars of lsm/RocksJava throughput per case and shape, a line at 1.0."""
    items = [(c, s, e["lsm"]["ops"] / e["rocksdb"]["ops"])
             for (c, s), e in rows.items() if "lsm" in e and "rocksdb" in e]
    width, left, bar, gap = 760, 300, 14, 6
    top = 40
    height = top + len(items) * (bar + gap) + 40
    top_ratio = max([r for _, _, r in items] + [1.0]) * 1.1
    scale = (width - left - 60) / top_ratio
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20" font-size="14">lsm throughput / RocksJava throughput '
           '(&gt; 1: lsm faster)</text>' % left]
    for i, (case, shape, ratio) in enumerate(items):
        y = top + i * (bar + gap)
        color = "#2b7bba" if shape == "SHARED" else "#8fbcdb"
        out.append('<text x="%d" y="%d" text-anchor="end">%s (%s)</text>'
                   % (left - 6, y + bar - 3, case, shape.lower()))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (left, y, ratio * scale, bar, color))
        out.append('<text x="%.1f" y="%d">%.2f×</text>' % (left + ratio * scale + 4, y + bar - 3, ratio))
    x1 = left + scale
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="4,3"/>'
               % (x1, top - 6, x1, height - 30))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">1.0</text>' % (x1, height - 14))
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def jni_cost(rows, cpp_path):
    """The JNI cost table: //bench:jni_cost_bench beside PointBench on lsm (rows)."""
    cpp = {}
    for b in json.load(open(cpp_path))["benchmarks"]:
        unit = UNIT_NS[b["time_unit"] + "/op"]
        cpp[b["name"]] = (b["real_time"] * unit, b["cpu_time"] * unit)
    out = ["## JNI cost", "",
           "The same call on the same data (100 000 keys) from C++ "
           "(`//bench:jni_cost_bench`, straight on `lsm::DB`) and from Java (`PointBench`, "
           "`byte[]` arguments), both in the shared shape, one right after the other in this "
           "run. The goal "
           "is Java within 1.3× of C++. "
           "For C++, Google Benchmark's mean wall time per call and the thread's CPU time per "
           "call; for Java, the mean and the median of JMH's samples. On a machine with other "
           "load the wall-clock means grow with the time the thread waits preempted (C++ mean "
           "over C++ CPU shows how much), while the CPU time and the median stay the cost of a "
           "call that ran: **Java median / C++ CPU** is the comparison that holds then (it errs "
           "against Java, whose samples include JMH's timer reads).",
           "", "| call | C++ mean | C++ CPU | Java mean | Java median | Java mean / C++ mean | "
           "Java median / C++ CPU |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for name, case in (("BM_Get", "PointBench.getBytes"), ("BM_Put", "PointBench.putBytes")):
        java = rows.get((case, "SHARED"), {}).get("lsm")
        if name in cpp and java:
            wall, cpu = cpp[name]
            out.append("| %s | %s | %s | %s | %s | %.2f | %.2f |" % (
                name[3:].lower(), fmt_time(wall), fmt_time(cpu), fmt_time(java["mean_ns"]),
                fmt_time(java["p50_ns"]), java["mean_ns"] / wall, java["p50_ns"] / cpu))
    out.append("")
    return out


def versions(results):
    """JMH, JDK and RocksJava versions: from the results and third_party/maven/pom.xml."""
    first = json.load(open(results))[0]
    rocks = "?"
    pom = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "third_party",
                       "maven", "pom.xml")
    m = re.search(r"<artifactId>rocksdbjni</artifactId>\s*<version>([^<]+)</version>",
                  open(pom).read())
    if m:
        rocks = m.group(1)
    return "JMH %s, JDK %s (%s), rocksdbjni %s." % (
        first["jmhVersion"], first["jdkVersion"], first["vmName"], rocks)


def drop_raw_samples(path):
    """Rewrites JMH's JSON at path without rawData/rawDataHistogram."""
    results = json.load(open(path))
    for r in results:
        for metric in [r["primaryMetric"]] + list(r.get("secondaryMetrics", {}).values()):
            metric.pop("rawData", None)
            metric.pop("rawDataHistogram", None)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main():
    results, out_dir, title = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = load(results)
    # LsmEngine prints whether lsm's defaults equal the shared shape into the console log.
    console = open(os.path.join(out_dir, "console.txt")).read()
    same_shapes = ("defaults equal the shared shape: true" in console
                   and "defaults equal the shared shape: false" not in console)
    lines = ["# " + title, "", versions(results), ""]
    lines.append("JMH (`java/jmh`), every case on lsm (`io.lsmstore`) and on RocksJava "
                 "(`org.rocksdb:rocksdbjni`, a release build of RocksDB) in the same run. "
                 "Shapes: **shared** = the same store shape on both (bloom filter 10 bits/key, "
                 "64 MiB block cache, 64 MiB write buffer, 4 KiB blocks, snappy, 64 MiB files, "
                 "256 MiB L1, L0 triggers 4/20/36, 2 background jobs); **defaults** = each "
                 "engine's own defaults (%s RocksDB's have no bloom filter and a 32 MiB block "
                 "cache). Keys 16 bytes, values 100 bytes; "
                 "writes not synced. Mode SampleTime: throughput is 1 / mean time per operation "
                 "(times the threads), p50 and p99 from the samples, allocation from `-prof gc` "
                 "(`gc.alloc.rate.norm`, bytes per operation, Java heap only). **ratio** is lsm's "
                 "throughput over RocksJava's, from the means; **p50 ratio** is RocksJava's "
                 "median time per operation over lsm's: a mean moves with a few calls that wait "
                 "milliseconds (a write stall, a preempted thread on a busy machine), the median "
                 "does not. Above 1, lsm is faster."
                 % ("lsm's defaults are the shared shape;" if same_shapes
                    else "lsm's defaults differ from the shared shape;"))
    lines.append("")
    lines.append("![lsm / RocksJava throughput](ratio.svg)")
    lines.append("")
    lines.append("| case | shape | keys | threads | lsm ops/s | RocksJava ops/s | ratio | "
                 "p50 ratio | lsm p50 | RocksJava p50 | lsm p99 | RocksJava p99 | lsm B/op | "
                 "RocksJava B/op |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (case, shape), e in rows.items():
        lsm, rocks = e.get("lsm"), e.get("rocksdb")
        any_ = lsm or rocks
        ratio = "%.2f" % (lsm["ops"] / rocks["ops"]) if lsm and rocks else "—"
        p50_ratio = "%.2f" % (rocks["p50_ns"] / lsm["p50_ns"]) if lsm and rocks else "—"
        lines.append("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            case, shape.lower(), any_["entries"], any_["threads"],
            fmt_ops(lsm["ops"]) if lsm else "—", fmt_ops(rocks["ops"]) if rocks else "—", ratio,
            p50_ratio,
            fmt_time(lsm["p50_ns"]) if lsm else "—", fmt_time(rocks["p50_ns"]) if rocks else "—",
            fmt_time(lsm["p99_ns"]) if lsm else "—", fmt_time(rocks["p99_ns"]) if rocks else "—",
            fmt_alloc(lsm["alloc"]) if lsm else "—", fmt_alloc(rocks["alloc"]) if rocks else "—"))
    lines.append("")
    pairs = [(e["lsm"]["ops"], rows[(c, "DEFAULTS")]["lsm"]["ops"])
             for (c, sh), e in rows.items()
             if sh == "SHARED" and "lsm" in e and "lsm" in rows.get((c, "DEFAULTS"), {})]
    if pairs and same_shapes:
        spread = max(abs(a - b) / min(a, b) for a, b in pairs)
        lines.append("lsm's defaults are the shared shape, so its two rows of a case run the same "
                     "configuration: the largest gap between them in this run, %.0f%%, is the "
                     "run's noise (other load on the machine, JIT and compaction timing); read "
                     "ratios within that margin as even." % (100 * spread))
        lines.append("")
    if len(sys.argv) > 5:
        lines += jni_cost(load(sys.argv[5]), sys.argv[4])
    open(out_dir + "/README.md", "w").write("\n".join(lines))
    svg(rows, out_dir + "/ratio.svg")
    drop_raw_samples(results)
    if len(sys.argv) > 5:
        drop_raw_samples(sys.argv[5])


if __name__ == "__main__":
    main()
