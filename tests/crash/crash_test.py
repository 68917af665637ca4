#!/usr/bin/env python3
"""kill -9 crash test: repeatedly runs lsm-stress in crash mode on one DB, kills
it with SIGKILL at a random moment (during writes, flushes, compactions), then
runs `lsm-stress --verify_only`, which checks that every acknowledged write is
present and nothing deleted came back (per key: exactly the acknowledged or the
in-flight state recorded in the expected-state file). Options are randomized
per round: threads, memtable size, file size, sync ratio, compression, block
size. Later rounds crash a DB that earlier rounds crashed and recovered.

Usage:
  crash_test.py --stress PATH/lsm-stress [--rounds N] [--max_seconds S]
                [--dir DIR] [--seed N] [--min_run S] [--max_run S] [--keys K]

Exit status 0 when every round verified; 1 otherwise (the DB and the
expected state are kept and their directory printed). See tests/README.md.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def log(msg):
    print(msg, flush=True)


def random_options(rng):
    """Per-round lsm-stress flags (the key space stays fixed across rounds)."""
    return [
        "--threads", str(rng.choice([1, 2, 4, 8])),
        "--write_buffer_size", str(rng.choice([64, 128, 256, 1024]) << 10),
        "--target_file_size", str(rng.choice([64, 128, 512]) << 10),
        "--max_bytes_for_level_base", str(rng.choice([256, 512, 2048]) << 10),
        "--block_size", str(rng.choice([512, 1024, 4096])),
        "--sync_pct", str(rng.choice([0, 0, 1, 10, 50])),
        "--compression", rng.choice(["none", "snappy", "zstd"]),
        "--bloom_bits", str(rng.choice([0, 10])),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stress", required=True, help="path of the lsm-stress binary")
    ap.add_argument("--rounds", type=int, default=20, help="kill/verify rounds")
    ap.add_argument("--max_seconds", type=float, default=0,
                    help="stop starting new rounds after this many seconds (0: no limit)")
    ap.add_argument("--dir", default="", help="work directory (default: a new temporary one)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (0: from the clock)")
    ap.add_argument("--min_run", type=float, default=0.3, help="shortest run before the kill (s)")
    ap.add_argument("--max_run", type=float, default=3.0, help="longest run before the kill (s)")
    ap.add_argument("--keys", type=int, default=20000, help="key space of lsm-stress")
    args = ap.parse_args()

    seed = args.seed or int(time.time() * 1000) % (1 << 31)
    rng = random.Random(seed)
    base = os.environ.get("TEST_TMPDIR") or None
    work = args.dir or tempfile.mkdtemp(prefix="lsm_crash_", dir=base)
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "db")
    state = os.path.join(work, "state")
    log(f"crash test: seed={seed} rounds={args.rounds} dir={work}")

    # The key space and value size shape the expected-state file: fixed per run.
    common = ["--db", db, "--expected_state_dir", state, "--keys", str(args.keys),
              "--value_size", str(rng.choice([8, 32, 100, 400])), "--report_interval", "0"]
    start = time.monotonic()
    rounds = kills = exited_early = 0
    for rnd in range(args.rounds):
        if args.max_seconds and time.monotonic() - start > args.max_seconds:
            log(f"time budget of {args.max_seconds}s spent")
            break
        opts = random_options(rng)
        run_for = rng.uniform(args.min_run, args.max_run)
        cmd = [args.stress] + common + opts + [
            "--duration", "3600", "--seed", str(rng.randrange(1, 1 << 31))]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=run_for)
            # It ended by itself before the kill: that is only fine if it passed.
            exited_early += 1
            if proc.returncode != 0:
                log(f"round {rnd}: lsm-stress failed (exit {proc.returncode}) before the kill:\n"
                    f"  {' '.join(cmd)}\n{out.decode(errors='replace')[-4000:]}")
                log(f"kept {work}")
                return 1
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            kills += 1
        ran = time.monotonic() - t0

        verify = [args.stress] + common + ["--verify_only"]
        res = subprocess.run(verify, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text = res.stdout.decode(errors="replace")
        if res.returncode != 0:
            log(f"round {rnd}: VERIFY FAILED (exit {res.returncode}) after a kill at {ran:.2f}s of:\n"
                f"  {' '.join(cmd)}\n{text[-6000:]}")
            log(f"kept {work}")
            return 1
        rounds += 1
        flags = " ".join(opts[i].lstrip("-") + "=" + opts[i + 1] for i in range(0, len(opts), 2))
        log(f"round {rnd}: killed after {ran:.2f}s, verified ({flags})")

    log(f"crash test passed: {rounds} rounds verified, {kills} SIGKILLs, "
        f"{exited_early} runs ended before the kill, {time.monotonic() - start:.1f}s, seed={seed}")
    if not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
