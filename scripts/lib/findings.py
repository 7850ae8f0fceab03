"""The derived numbers of the experiments that are not a plain sweep of
medians -- the forgotten reader (open and closed loop), staggered readers,
rustdb against pagever, the copy model of stall-size, the decision map,
pagever's own figures -- and of the methodology (steal and load warnings,
pinning), as `\\sb@set{d/...}` macros for the paper (scripts/paper-macros).
Each function reads what scripts/sweep or scripts/pagever-figures wrote and
skips what is absent: its macros then print ?? in the paper.

Keys (all under d/):
  fr-V-end, fr-V-t, fr-V-how     forgotten-reader: V's retained bytes at the
                                 end of its series, when that was (s), and how
                                 it ended ("ran the whole window", "its map
                                 filled", "was stopped at the memory limit")
  fr-V-rate                      its achieved commits/s over its series
  fr-pagever-visible, fr-copy, fr-rate, fr-window
                                 pagever's retained_visible_bytes at the end,
                                 one copy of the database, the write rate and
                                 the window (s)
  fc-V-first, fc-V-fraction, fc-V-commits, fc-V-last
                                 forgotten-closed: V's first second's rate,
                                 its rate after 10^6 commits as a fraction of
                                 that (only when it got there), its commits,
                                 and its last second's rate as a fraction
  stag-V-min, stag-V-max         staggered: V's retained / the exact minimum,
                                 smallest and largest over the reader counts;
  stag-V-vis-min, stag-V-vis-max the same of its retained_visible_peak_bytes
  rp-scan-min, rp-scan-max       rustdb-pagever: pagever's aggregate scan
                                 rate / rustdb's, over the reader counts;
  rp-home-min, rp-home-max       pagever's / its --pv-home off ablation's
  size-beta                      stall-size: the median memcpy bandwidth (GB/s)
  size-model-min, size-model-max fullcopy's worst commit / D/beta, >= 256 MiB
  size-model-X                   D/beta at X MiB, in ms
  dm-cells, dm-V                 decision-map: cells, and cells V won
  pvf-NAME                       pagever-figures: the median of each figure
                                 (hang16, hang64, p999floor, p99floor,
                                 scan64, scan4k, rustdbscan, rustdbp99,
                                 homeoff, allocs, r8rate, r8allocs,
                                 r8rustdb) and pvf-repeats
  steal-warnings, load-warnings  the sweeps' warnings, all experiments
  runs-all, runs-verified        the rows of every runs.csv, and those with
                                 verified = 1 (their pages checked)
  pinned                         "pinned" when a recorded command has --pin,
                                 else "not pinned"
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibration  # noqa: E402
import decision  # noqa: E402
import forgotten  # noqa: E402
import pagever_figures  # noqa: E402
import runs  # noqa: E402

HOW = {"map full": "its map filled", "stopped at the memory limit": "was stopped at the memory limit"}
PVF_KEYS = ("hang16", "hang64", "p999floor", "p99floor", "scan64", "scan4k", "rustdbscan",
            "rustdbp99", "homeoff", "allocs", "r8rate", "r8allocs", "r8rustdb")


def _summary(results, experiment, host):
    path = os.path.join(results, experiment, host + ".csv")
    return runs.read_csv(path)[1] if os.path.isfile(path) else None


def _meta(results, experiment, host):
    path = os.path.join(results, experiment, host + ".meta")
    return runs.read_meta(path) if os.path.isfile(path) else None


def _num(row, column):
    v = runs.cell(row.get(column, ""))
    return v if isinstance(v, float) else None


def forgotten_values(results, host, out, fmt, human_bytes):
    series, meta = forgotten.load(results, "forgotten-reader", host)
    if series:
        ended = forgotten.ended_runs(meta)
        rate, _, pages, page, _ = forgotten.model(meta)
        out(f"fr-copy", human_bytes(pages * page))
        out("fr-rate", fmt(rate))
        for v, points in series.items():
            t, last = points[-1]
            out(f"fr-{v}-end", human_bytes(forgotten.number(last, "retained_bytes")))
            out(f"fr-{v}-t", fmt(t))
            out(f"fr-{v}-how", HOW.get(ended.get(v), "ended early") if v in ended else "ran the whole window")
            total = sum(forgotten.number(row, "commits") for _, row in points)
            if t > 0:
                out(f"fr-{v}-rate", fmt(total / t))
            if v == "pagever":
                out("fr-pagever-visible", human_bytes(forgotten.number(last, "retained_visible_bytes")))
                out("fr-window", fmt(t))
    series, meta = forgotten.load(results, "forgotten-closed", host)
    if series:
        closed = forgotten.closed_loop(series, forgotten.ended_runs(meta))
        for v, points in series.items():
            second = forgotten.PER_SECOND
            first = forgotten.rate_over(points, 0, second)
            last = forgotten.rate_over(points, max(0, len(points) - second), second)
            total = sum(forgotten.number(row, "commits") for _, row in points)
            out(f"fc-{v}-commits", fmt(total))
            if first:
                out(f"fc-{v}-first", fmt(first))
                out(f"fc-{v}-last", fmt(last / first))
            if closed[v][2] is not None:
                out(f"fc-{v}-fraction", fmt(closed[v][2]))


def out_range(out, key, values, fmt, low="min", high="max"):
    """KEY-min and KEY-max (or the names given) of values, when there are any."""
    if values:
        out(f"{key}-{low}", fmt(min(values)))
        out(f"{key}-{high}", fmt(max(values)))


def ratio_range(rows, variant, num_col, other, den_col, key, out, fmt):
    if not rows:
        return
    by = {}
    for row in rows:
        by[(float(row["x"]), row["variant"])] = row
    ratios = []
    for (x, v), row in by.items():
        if v != variant or (x, other) not in by:
            continue
        a, b = _num(row, num_col), _num(by[(x, other)], den_col)
        if a is not None and b:
            ratios.append(a / b)
    out_range(out, key, ratios, fmt)


def staggered_values(results, host, out, fmt):
    rows = _summary(results, "staggered", host)
    if not rows:
        return
    for v in sorted({r["variant"] for r in rows}):
        for column, key in (("retained_peak_bytes", f"stag-{v}"),
                            ("retained_visible_peak_bytes", f"stag-{v}-vis")):
            out_range(out, key, [_num(r, column) / _num(r, "retained_min_peak_bytes") for r in rows
                                 if r["variant"] == v and _num(r, column) is not None
                                 and _num(r, "retained_min_peak_bytes")], fmt)


def size_values(results, host, out, fmt):
    meta, rows = _meta(results, "stall-size", host), _summary(results, "stall-size", host)
    if not meta or not rows:
        return
    model = calibration.copy_model(meta)
    if not model:
        return
    out("size-beta", fmt(runs.median([gbps for _, _, gbps in model])))
    ratios = []
    for x, size, gbps in model:
        out(f"size-model-{x:g}", fmt(size / gbps / 1e6) + "\\,ms")
        for r in rows:
            if r["variant"] == "fullcopy" and float(r["x"]) == x and x >= 256 and _num(r, "write_max_us"):
                ratios.append(_num(r, "write_max_us") / (size / gbps / 1000))
    if ratios:
        out("size-model-min", fmt(min(ratios)))
        out("size-model-max", fmt(max(ratios)))


def decision_values(results, host, out):
    meta, rows = _meta(results, "decision-map", host), _summary(results, "decision-map", host)
    if not meta or not rows:
        return
    controls = runs.meta_value(meta, "controls", "none,floor").split(",")
    cells = decision.decide(rows, controls)
    out("dm-cells", str(len(cells)))
    wins = {}
    for winner, _, _ in cells.values():
        wins[winner or "none"] = wins.get(winner or "none", 0) + 1
    for v in sorted({r["variant"] for r in rows} | {"none"}):
        out(f"dm-{v}", str(wins.get(v, 0)))


def pagever_figure_values(results, host, out, fmt):
    path = os.path.join(results, "pagever-figures", host + ".csv")
    if not os.path.isfile(path):
        return
    _, rows = runs.read_csv(path)
    repeats = sorted({row["repeat"] for row in rows}, key=int)
    out("pvf-repeats", str(len(repeats)))
    for index, key in enumerate(PVF_KEYS):
        values = [v for _, v in pagever_figures.ratios(rows, index) if v is not None]
        if values:
            out(f"pvf-{key}", fmt(runs.median(values)))
        out_range(out, f"pvf-{key}", values, fmt, "lo", "hi")


def run_counts(results, host, out, fmt):
    """Every run of every sweep (runs.csv), and those that verified pages."""
    total = verified = 0
    for name in sorted(os.listdir(results)):
        path = os.path.join(results, name, host + ".runs.csv")
        if os.path.isfile(path):
            for row in runs.read_csv(path)[1]:
                total += 1
                verified += runs.cell(row.get("verified", "")) == 1.0
    out("runs-all", fmt(total))
    out("runs-verified", fmt(verified))


def methodology_values(results, host, out):
    steal = load = 0
    pinned = False
    for name in sorted(os.listdir(results)):
        meta = _meta(results, name, host)
        for key, value in meta or []:
            steal += key == "warning" and value.startswith("steal")
            load += key == "warning" and value.startswith("load")
            pinned |= key == "command" and " --pin" in value
    out("steal-warnings", str(steal))
    out("load-warnings", str(load))
    out("pinned", "pinned" if pinned else "not pinned")


def generate(results, host, set_macro, fmt, human_bytes):
    def out(key, value):
        set_macro("d/" + key, value)
    forgotten_values(results, host, out, fmt, human_bytes)
    ratio_range(_summary(results, "rustdb-pagever", host), "pagever", "scan_gbps_wall", "rustdb",
                "scan_gbps_wall", "rp-scan", out, fmt)
    ratio_range(_summary(results, "rustdb-pagever", host), "pagever", "scan_gbps_wall",
                "pagever-home-off", "scan_gbps_wall", "rp-home", out, fmt)
    staggered_values(results, host, out, fmt)
    size_values(results, host, out, fmt)
    decision_values(results, host, out)
    pagever_figure_values(results, host, out, fmt)
    methodology_values(results, host, out)
    run_counts(results, host, out, fmt)
