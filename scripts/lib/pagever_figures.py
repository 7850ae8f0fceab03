"""The figures pagever promises, from scripts/pagever-figures' rows.

  pagever_figures.py tag RUN.csv ALL.csv TAG REPEAT
      appends RUN.csv's rows to ALL.csv with `figure,repeat,` in front
      (ALL.csv is created with the header when it does not exist);
  pagever_figures.py report ALL.csv
      prints each figure: its goal, the median over the repeats of each
      repeat's ratio (both sides measured in that one invocation), every
      repeat's value, and whether the median meets the goal.

A ratio whose numerator or denominator is an empty cell (a percentile with
too few samples behind it) is left out and counted; a figure with no ratio
left says so instead of passing.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402


def tag(run_csv, all_csv, figure, repeat):
    header, rows = runs.read_csv(run_csv)
    lines = []
    if os.path.exists(all_csv):
        old_header, old_rows = runs.read_csv(all_csv)
        if old_header[2:] != header:
            runs.fail(f"{all_csv}: a run with other columns")
        lines = [[row[c] for c in old_header] for row in old_rows]
    lines += [[figure, repeat] + [row[c] for c in header] for row in rows]
    runs.write_whole(all_csv, runs.csv_text(["figure", "repeat"] + header, lines))
    return 0


def value(rows, figure, repeat, variant, column, **match):
    for row in rows:
        if (row["figure"] == figure and row["repeat"] == repeat
                and row["variant"] == variant
                and all(row[k] == v for k, v in match.items())):
            return runs.cell(row[column])
    return None


# (name, goal text, test, numerator, denominator); each side is
# (figure, variant, column).  A None denominator reports the numerator.
FIGURES = [
    ("hang-16: closed loop, 16 pages of 256 B, 2 s", "finishes",
     None, ("hang-16", "pagever", "commits_per_s"), None),
    ("hang-64: closed loop, 64 pages of 256 B, 2 s", "finishes",
     None, ("hang-64", "pagever", "commits_per_s"), None),
    ("p99.9 beside a 1 s-pause reader at 10,000/s / floor's", "<= 1.2",
     lambda r: r <= 1.2, ("floor", "pagever", "write_p999_us"),
     ("floor", "floor", "write_p999_us")),
    ("p99 beside a 1 s-pause reader at 10,000/s / floor's", "<= 1.1",
     lambda r: r <= 1.1, ("floor", "pagever", "write_p99_us"),
     ("floor", "floor", "write_p99_us")),
    ("scan of 64 B pages, touch / none's", ">= 0.8",
     lambda r: r >= 0.8, ("scan64", "pagever", "scan_gbps"),
     ("scan64", "none", "scan_gbps")),
    ("scan of 4 KiB pages beside 10,000/s / none's read-only", ">= 0.9",
     lambda r: r >= 0.9, ("scan4k-writer", "pagever", "scan_gbps"),
     ("scan4k-alone", "none", "scan_gbps")),
    ("rustdb's scan (2 readers, 10,000/s) / pagever's", "(no goal)",
     None, ("rustdb", "rustdb", "scan_gbps"), ("rustdb", "pagever", "scan_gbps")),
    ("rustdb's write p99 / pagever's", "(no goal)",
     None, ("rustdb", "rustdb", "write_p99_us"), ("rustdb", "pagever", "write_p99_us")),
    ("--pv-home off: scan beside 10,000/s / none's read-only", "(no goal)",
     None, ("pv-home-off", "pagever", "scan_gbps"), ("scan4k-alone", "none", "scan_gbps")),
    ("pagever's writer_allocs beside the 1 s-pause reader", "(count)",
     None, ("floor", "pagever", "writer_allocs"), None),
    ("pagever's commits/s beside 8 flat-out readers, target 5000", ">= 4750",
     lambda r: r >= 4750, ("readers-8", "pagever", "commits_per_s"), None),
    ("pagever's writer_allocs beside 8 flat-out readers", "(count)",
     None, ("readers-8", "pagever", "writer_allocs"), None),
    ("rustdb's commits/s beside 8 flat-out readers, target 5000", "(no goal)",
     None, ("readers-8", "rustdb", "commits_per_s"), None),
]


def ratios(rows, index):
    """[(repeat, ratio)] of FIGURES[index] in each repeat, ascending: its
    numerator over its denominator (1 when it has none), None where a cell
    is empty or the denominator is 0."""
    _, _, _, num, den = FIGURES[index]
    out = []
    for r in sorted({row["repeat"] for row in rows}, key=int):
        n = value(rows, num[0], r, num[1], num[2])
        d = value(rows, den[0], r, den[1], den[2]) if den else 1.0
        ok = runs.is_number(n) and runs.is_number(d) and d != 0
        out.append((r, n / d if ok else None))
    return out


def report(all_csv):
    header, rows = runs.read_csv(all_csv)
    failed = 0
    for index, (name, goal, test, num, den) in enumerate(FIGURES):
        each_repeat = ratios(rows, index)
        values = [v for _, v in each_repeat if v is not None]
        missing = len(each_repeat) - len(values)
        if not values:
            print(f"{name}: goal {goal}: NOT MEASURED ({missing} repeats with empty cells)")
            failed += test is not None
            continue
        m = runs.median(values)
        verdict = "" if test is None else ("  met" if test(m) else "  NOT MET")
        failed += test is not None and not test(m)
        each = " ".join("%.3g" % v for v in values)
        extra = f" ({missing} left out: empty cells)" if missing else ""
        print(f"{name}: goal {goal}: median {m:.3g} of [{each}]{extra}{verdict}")
    return 1 if failed else 0


def main():
    args = sys.argv[1:]
    if len(args) == 5 and args[0] == "tag":
        return tag(*args[1:])
    if len(args) == 2 and args[0] == "report":
        return report(args[1])
    runs.fail("usage: pagever_figures.py tag RUN.csv ALL.csv TAG REPEAT | report ALL.csv")


if __name__ == "__main__":
    sys.exit(runs.main_guard("pagever-figures", main))
