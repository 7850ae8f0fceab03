"""Warnings that a sweep's numbers may be the machine's, not the scheme's.

Three signs, each with its threshold:
- spread: a point's repeats disagree -- (max - min) / median of a writer
  percentile (the columns write_pNN_us, whichever percentiles snapbench
  was asked for) above the given share (default 50 %);
- steal: the hypervisor took the CPU from the run (steal_ms) for more
  than 2 % of its measured window (duration_s);
- load: the 1-minute load average before a point was above half the
  cores: something else was running.
"""

import re

from runs import cell

WRITER_PERCENTILE = re.compile(r"^write_p[0-9]+_us$")
STEAL_SHARE = 0.02
LOAD_SHARE_OF_CORES = 0.5


def spread_warnings(summary_header, summary_rows, threshold_pct):
    """One warning per (x, variant) whose repeats spread too far, naming the
    widest writer percentile."""
    warnings = []
    index = {name: i for i, name in enumerate(summary_header)}
    percentiles = [c for c in summary_header if WRITER_PERCENTILE.match(c)]
    for row in summary_rows:
        if int(row[index["repeats"]]) < 2:
            continue
        worst = None
        for name in percentiles:
            mid, lo, hi = (cell(row[index[name + s]]) for s in ("", "_lo", "_hi"))
            if mid is None or not mid > 0:
                continue
            spread = (hi - lo) / mid
            if spread * 100 > threshold_pct and (worst is None or spread > worst[1]):
                worst = (name, spread, lo, hi)
        if worst:
            name, spread, lo, hi = worst
            warnings.append(
                f"spread: x={row[index['x']]} {row[index['variant']]}: {name} ranges {lo:g}-{hi:g} "
                f"over {row[index['repeats']]} repeats ({spread * 100:.0f} % of its median, "
                f"above {threshold_pct:g} %)")
    return warnings


def steal_warnings(rows):
    """One warning per run row whose steal exceeded its share of the window."""
    warnings = []
    for row in rows:
        steal, window_s = cell(row.get("steal_ms")), cell(row.get("duration_s"))
        if not isinstance(steal, float) or not isinstance(window_s, float) or window_s <= 0:
            continue
        if steal > STEAL_SHARE * window_s * 1000:
            warnings.append(
                f"steal: x={row['x']} repeat {row['repeat']} {row['variant']}: {steal:g} ms stolen "
                f"in a {window_s:g} s window (over {STEAL_SHARE * 100:g} %)")
    return warnings


def load_warning(x, repeat, load, cores):
    """A warning when the load before a point was high, else None."""
    load, cores = cell(load), cell(cores)
    if not isinstance(load, float) or not isinstance(cores, float):
        return None
    if load > LOAD_SHARE_OF_CORES * cores:
        return (f"load: x={x} repeat {repeat}: load average {load:g} before the point "
                f"on {cores:g} cores (over {LOAD_SHARE_OF_CORES * 100:g} % of them)")
    return None
