#!/usr/bin/env python3
"""Measures how often the 95 % intervals that `whfb-sim run` reports hold the true value.

    contrib/coverage/coverage.py --bin target/release/whfb-sim [--runs 200]
        [--replications 10] [--reference-runs 100] [--jobs 2] [--work DIR]

The "true" values come from a reference of `--reference-runs` runs of 10 replications
each on seeds no test run uses, their users pooled (100 runs: 1,000 replications, 2
million users per variant on the default scenario). Then `--runs` runs of
`--replications` replications each (seeds 1, 2, ...) report their intervals in
summary.json; the coverage of a figure is the share of runs whose interval holds the
reference value, with a 95 % Wilson interval. Every run is `whfb-sim run --set
pki.mode=off` on the embedded default scenario (crypto does not change simulated times).
Standard library only; prints a markdown table.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

STATS = ["mean", "p50", "p90", "p95", "p99"]


def quantile7(sorted_values, p):
    """The type-7 quantile (linear interpolation), as whfb-sim computes it."""
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def figure(values, stat):
    if stat == "mean":
        return sum(values) / len(values)
    return quantile7(values, float(stat[1:]) / 100.0)


def run(binary, seed, replications, out):
    subprocess.run(
        [binary, "run", "--seed", str(seed), "--replications", str(replications),
         "--set", "pki.mode=off", "--quiet", "--out", out],
        check=True, stdout=subprocess.DEVNULL)


def wilson(hits, n, z=1.959964):
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def reference(binary, runs, work, jobs):
    """Pooled time to usable per variant, and per (replication, user) for the pairs."""
    def one(i):
        out = os.path.join(work, f"ref{i}")
        run(binary, 1_000_000 + i, 10, out)
        per = {}
        with open(os.path.join(out, "users.csv"), newline="") as f:
            for row in csv.DictReader(f):
                t = row["time_to_usable_s"]
                key = (i, row["replication"], row["user"])
                per.setdefault(row["variant"], {})[key] = float(t) if t else None
        subprocess.run(["rm", "-rf", out], check=True)
        return per

    pooled = {}
    with ThreadPoolExecutor(jobs) as ex:
        for per in ex.map(one, range(runs)):
            for variant, users in per.items():
                pooled.setdefault(variant, {}).update(users)
    return pooled


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--reference-runs", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="whfb-coverage.")
    binary = os.path.abspath(a.bin)

    ref = reference(binary, a.reference_runs, work, a.jobs)
    variants = list(ref)
    truth = {}
    for v in variants:
        values = sorted(t for t in ref[v].values() if t is not None)
        for st in STATS:
            truth[(v, st)] = figure(values, st)
    first = variants[0]
    for v in variants[1:]:
        a_vals = sorted(t for t in ref[first].values() if t is not None)
        b_vals = sorted(t for t in ref[v].values() if t is not None)
        for st in ["p50", "p90", "p95"]:
            truth[(f"{v} − {first}", st)] = figure(b_vals, st) - figure(a_vals, st)
        pairs = [ref[v][k] - ref[first][k] for k in ref[first]
                 if ref[first][k] is not None and ref[v].get(k) is not None]
        truth[(f"{v} − {first}", "mean")] = sum(pairs) / len(pairs)

    def test(seed):
        out = os.path.join(work, f"run{seed}")
        run(binary, seed, a.replications, out)
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        subprocess.run(["rm", "-rf", out], check=True)
        got = {}
        for v in s["variants"]:
            t = v["time_to_usable_s"]
            for st in STATS:
                got[(v["name"], st)] = (t["ci95_by_stat"].get(st), st in t["on_plateau"])
        for c in s["comparisons"]:
            got[(f"{c['variant']} − {c['against']}", c["figure"])] = (
                c["ci95"], c["pairing"] == "marginal")
        return got

    with ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(test, range(1, a.runs + 1)))

    print(f"{a.runs} runs of {a.replications} replications against a reference of "
          f"{a.reference_runs * 10} replications (pki.mode=off, default scenario)\n")
    print("| figure | true value (s) | coverage | 95 % Wilson | flagged in | median width (s) |")
    print("|---|---:|---:|---|---:|---:|")
    for (name, st), value in truth.items():
        hits, flagged, widths = 0, 0, []
        for r in results:
            ci, flag = r.get((name, st), (None, False))
            flagged += flag
            if ci is not None:
                widths.append(ci[1] - ci[0])
                hits += ci[0] <= value <= ci[1]
        lo, hi = wilson(hits, len(results))
        widths.sort()
        width = widths[len(widths) // 2] if widths else float("nan")
        print(f"| {name} {st} | {value:,.0f} | {hits / len(results):.3f} | "
              f"{lo:.3f}–{hi:.3f} | {flagged}/{len(results)} | {width:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
