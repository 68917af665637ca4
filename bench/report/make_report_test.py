"""Tests of make_report.py on a small, hand-written db_bench result."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_report  # noqa: E402


def result(engine, label, ops_per_sec, **extra):
    return {
        "engine": engine, "workload": label.split("/")[0], "label": label, "threads": 1,
        "ops": 1000, "seconds": 1000 / ops_per_sec, "micros_per_op": 1e6 / ops_per_sec,
        "ops_per_sec": ops_per_sec, "mb_per_sec": 1.5, "p50": 1.0, "p99": 9.0, "p999": 20.0,
        "max": 30.0, "extra": extra,
    }


DOC = {
    "tool": "db_bench",
    "date": "2024-06-11T10:00:00Z",
    "machine": {"nproc": 2, "cpu_model": "Test CPU", "memory_bytes": 2**33, "kernel": "Linux"},
    "config": {"num": 1000, "key_size": 16, "value_size": 100, "compression_ratio": 0.5,
               "threads": 1, "batch_size": 1, "benchmarks": ["fillseq", "readrandom"],
               "write_buffer_size": 4 << 20, "block_size": 4096, "cache_size": 8 << 20,
               "bloom_bits": 10, "compression": "snappy", "max_background_jobs": 2},
    "notes": [],
    "engines": [{"name": "lsm", "description": "ours", "final_stats": "write-amp: 2.0"},
                {"name": "leveldb", "description": "LevelDB 1.23", "final_stats": ""},
                {"name": "rocksdb", "description": "RocksDB 7.8.3", "final_stats": ""}],
    "results": [
        result("lsm", "fillseq", 300000.0, write_amp=2.0, peak_rss_mb=40.0),
        result("leveldb", "fillseq", 200000.0),
        result("rocksdb", "fillseq", 400000.0),
        result("lsm", "readrandom", 50000.0, found=1000.0),
        result("leveldb", "readrandom", 100000.0, found=1000.0),
        # rocksdb has no readrandom: its cells must show a dash.
    ],
}


class MakeReportTest(unittest.TestCase):
    def run_report(self, docs):
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        paths = []
        for i, doc in enumerate(docs):
            path = os.path.join(tmp, f"in{i}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            paths.append(path)
        out = os.path.join(tmp, "out")
        self.assertEqual(make_report.main(["--out", out, "--title", "T"] + paths), 0)
        with open(os.path.join(out, "README.md"), encoding="utf-8") as f:
            return out, f.read()

    def test_ratios_and_rows(self):
        _, text = self.run_report([DOC])
        self.assertIn("| workload | lsm | leveldb | rocksdb | lsm/leveldb | lsm/rocksdb |", text)
        self.assertIn("| `fillseq` | 300,000 | 200,000 | 400,000 | 1.50× | **0.75×** |", text)
        self.assertIn("| `readrandom` | 50,000 | 100,000 | – | **0.50×** | – |", text)
        self.assertIn("lsm ≥ 1.0× leveldb on 1 of 2 workloads", text)
        self.assertIn("lsm ≥ 1.0× rocksdb on 0 of 1 workloads", text)

    def test_notes_machine_and_details(self):
        _, text = self.run_report([DOC])
        self.assertIn("built with assertions enabled", text)
        self.assertIn("2 × Test CPU", text)
        self.assertIn("w-amp 2.00", text)
        self.assertIn("found 1,000 of 1,000", text)
        self.assertIn("write-amp: 2.0", text)  # the raw stats section

    def test_chart_data_marks_missing_values(self):
        out, _ = self.run_report([DOC])
        with open(os.path.join(out, "ops_per_sec.dat"), encoding="utf-8") as f:
            rows = f.read().splitlines()
        self.assertEqual(rows[0], "# workload lsm leveldb rocksdb")
        self.assertEqual(rows[2], '"readrandom" 50000 100000 ?')
        with open(os.path.join(out, "ops_per_sec.gp"), encoding="utf-8") as f:
            script = f.read()
        # 50k..400k spans less than 20x: a linear axis.
        self.assertNotIn("set logscale y", script)
        self.assertIn("using 4 title 'rocksdb'", script)

    def test_later_inputs_replace_earlier_results(self):
        newer = {"results": [result("rocksdb", "readrandom", 25000.0)],
                 "engines": [], "notes": []}
        _, text = self.run_report([DOC, newer])
        self.assertIn("| `readrandom` | 50,000 | 100,000 | 25,000 | **0.50×** | 2.00× |", text)

    def test_micro_suite_section(self):
        micro = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        with open(os.path.join(micro, "wal_bench.json"), "w", encoding="utf-8") as f:
            json.dump({"benchmarks": [
                {"name": "BM_SyncPair/128", "real_time": 250.5, "cpu_time": 20.25,
                 "time_unit": "us", "iterations": 10, "wal/raw": 1.04},
                {"name": "BM_Broken", "error_occurred": True, "error_message": "open failed"},
            ]}, f)
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        path = os.path.join(tmp, "in.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(DOC, f)
        out = os.path.join(tmp, "out")
        self.assertEqual(make_report.main(["--out", out, "--micro", micro, path]), 0)
        with open(os.path.join(out, "README.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("### `wal_bench`", text)
        self.assertIn("| `BM_SyncPair/128` | 250.5 us | 20.25 us | – | – | wal/raw 1.04 |", text)
        self.assertIn("| `BM_Broken` | error: open failed |", text)

    def test_five_engines_unsupported_and_defaults_table(self):
        doc = json.loads(json.dumps(DOC))
        doc["engines"] += [{"name": "wiredtiger", "description": "WiredTiger 3.2.1"},
                           {"name": "lmdb", "description": "LMDB 0.9.24"}]
        doc["notes"].append("WiredTiger's commit durability: written to the OS at commit.")
        doc["results"] += [
            result("wiredtiger", "fillseq", 100000.0),
            result("lmdb", "fillseq", 600000.0),
            {"engine": "lmdb", "workload": "compact", "label": "compact", "threads": 1,
             "ops": 0, "unsupported": "LMDB is a B+tree", "extra": {}},
            result("lsm", "compact", 2.0),
        ]
        defaults = json.loads(json.dumps(DOC))
        defaults["config"]["engine_defaults"] = True
        defaults["results"] = [result("lsm", "fillseq", 310000.0),
                               result("lmdb", "fillseq", 620000.0)]
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        paths = []
        for name, d in (("shape.json", doc), ("defaults.json", defaults)):
            paths.append(os.path.join(tmp, name))
            with open(paths[-1], "w", encoding="utf-8") as f:
                json.dump(d, f)
        out = os.path.join(tmp, "out")
        self.assertEqual(make_report.main(["--out", out, "--defaults", paths[1],
                                           "--defaults-link", "defaults/README.md",
                                           paths[0]]), 0)
        with open(os.path.join(out, "README.md"), encoding="utf-8") as f:
            text = f.read()
        # Engines in the fixed order, a ratio column for every other engine.
        self.assertIn("| workload | lsm | leveldb | rocksdb | lmdb | wiredtiger | lsm/leveldb | "
                      "lsm/rocksdb | lsm/lmdb | lsm/wiredtiger |", text)
        self.assertIn("| `fillseq` | 300,000 | 200,000 | 400,000 | 600,000 | 100,000 | 1.50× | "
                      "**0.75×** | **0.50×** | 3.00× |", text)
        self.assertIn("| `compact` | 2 | – | – | not supported | – | – | – | – | – |", text)
        self.assertIn("- `compact` on lmdb: LMDB is a B+tree", text)
        self.assertIn("| lmdb | not supported: LMDB is a B+tree |", text)
        self.assertIn("> WiredTiger's commit durability: written to the OS at commit.", text)
        # The second run's table, with its own options line and a link.
        self.assertIn("## Throughput (ops/s), each engine with its own defaults", text)
        self.assertIn("each engine's own defaults, plus bloom filters of 10 bits/key", text)
        self.assertIn("[defaults/README.md](defaults/README.md)", text)
        self.assertIn("| `fillseq` | 310,000 | 620,000 | **0.50×** |", text)
        # LMDB's configuration is the same in both runs: its spread is the noise.
        self.assertIn("up to 1.03× (`fillseq`)", text)
        # The charts (of the first run) come before the second table.
        charts = text.find("![Throughput](ops_per_sec.svg)")
        if charts < 0:  # without gnuplot
            charts = text.index("Charts skipped")
        self.assertLess(charts, text.index("each engine with its own defaults"))
        self.assertIn("WiredTiger's includes its log files", text)
        with open(os.path.join(out, "ops_per_sec.dat"), encoding="utf-8") as f:
            rows = f.read().splitlines()
        self.assertEqual(rows[0], "# workload lsm leveldb rocksdb lmdb wiredtiger")
        self.assertEqual(rows[3], '"compact" 2 ? ? ? ?')


if __name__ == "__main__":
    unittest.main()
