"""The sweep's median-and-spread step: raw rows (runs.csv) in, one row per
(x, variant) out.

For every numeric column snapbench wrote, the summary has the median over
the repeats and the spread (NAME, NAME_lo, NAME_hi = median, minimum,
maximum); `violations` is instead the most any repeat saw.  A cell that is
empty in a repeat is missing there: the median is over the repeats that
reported it, and it is empty when none did.  The columns come from the
CSV header, so a column snapbench adds is summarised without a change here.

Rows come out grouped by variant (in the order given, then any others in
the order they first appear), then by x ascending, so that each variant's
series is one block for gnuplot.
"""

import sys

from runs import cell, csv_text, fail, fmt, main_guard, median, numeric_columns, read_csv

# Columns the sweep itself sets or that only name a run, not measure it.
NOT_SUMMARISED = ("x", "repeat", "seed")
# The most any repeat saw: one violation in one repeat is one too many.
MAXIMUM_ONLY = ("violations",)


def group_rows(rows):
    """{(variant, x): [row, ...]} and the keys in first-seen order."""
    groups = {}
    for row in rows:
        groups.setdefault((row["variant"], row["x"]), []).append(row)
    return groups


def variant_order(groups, preferred):
    seen = list(dict.fromkeys(v for v, _ in groups))
    known = [v for v in preferred if v in seen]
    return known + [v for v in seen if v not in known]


def summarise(header, rows, experiment, preferred_order=()):
    """(header, rows) of the summary; rows are lists of formatted cells."""
    for needed in ("x", "variant"):
        if needed not in header:
            raise KeyError(f"no column '{needed}' in the runs")
    columns = numeric_columns(header, rows, skip=NOT_SUMMARISED + MAXIMUM_ONLY)
    out_header = ["experiment", "x", "variant", "repeats"]
    for name in columns:
        out_header += [name, name + "_lo", name + "_hi"]
    maxima = [name for name in MAXIMUM_ONLY if name in header]
    out_header += maxima

    groups = group_rows(rows)
    out_rows = []
    for variant in variant_order(groups, preferred_order):
        xs = sorted((x for v, x in groups if v == variant), key=float)
        for x in xs:
            repeats = groups[(variant, x)]
            line = [experiment, x, variant, str(len(repeats))]
            for name in columns:
                values = [cell(r[name]) for r in repeats]
                values = [v for v in values if v is not None]
                if values:
                    line += [fmt(median(values)), fmt(min(values)), fmt(max(values))]
                else:
                    line += ["", "", ""]
            for name in maxima:
                values = [cell(r[name]) for r in repeats]
                values = [v for v in values if v is not None]
                line.append("%d" % max(values) if values else "")
            out_rows.append(line)
    return out_header, out_rows


def main(argv):
    """summary.py RUNS_CSV EXPERIMENT [VARIANT,...]: the summary on stdout."""
    if len(argv) not in (3, 4):
        fail("usage: summary.py RUNS_CSV EXPERIMENT [VARIANT,...]")
    header, rows = read_csv(argv[1])
    try:
        out_header, out_rows = summarise(header, rows, argv[2], argv[3].split(",") if len(argv) == 4 else ())
    except KeyError as e:
        fail(f"{argv[1]}: {e.args[0]}")
    sys.stdout.write(csv_text(out_header, out_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("summary", lambda: main(sys.argv)))
