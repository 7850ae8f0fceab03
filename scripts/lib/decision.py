"""The decision map (experiment decision-map): for each cell of the grid --
read length (read_pause_ms) x write rate (write_rate) x hot set (hot_pct)
-- which scheme gave the lowest writer p99 while

- keeping its rate: achieved commits_per_s at least 95 % of write_rate
  and no unfinished_commits;
- staying within the memory budget: retained_peak_bytes at most one copy
  of the database (pages x page_size);
- having a p99 at all (write_p99_us not empty);
- and serving its reader: it completed reads (a scheme whose reads never
  finish, as seqlock's under frequent writes, answers no query);

controls (the meta's `controls`: floor, none) not being candidates.  A
cell where no scheme qualifies says "none within budget".

Command line:
  decision.py SUMMARY_CSV META CELLS_CSV FRAGMENT
reads the sweep's HOST.csv (medians) and HOST.meta; writes CELLS_CSV
(hot_pct,read_i,rate_i,read_ms,write_rate,winner,p99_us,label: one row
per cell, read_i and rate_i the cell's place on each axis, from 1) and
FRAGMENT, gnuplot assignments: reads, rates, hots (the axes' values) and
winners (the schemes that won some cell).  With --print, a table for
people on stdout instead.
"""

import sys

from runs import cell, fail, main_guard, meta_value, read_csv, read_meta, write_whole

KEPT_SHARE = 0.95


def number(row, column):
    value = cell(row.get(column, ""))
    return value if isinstance(value, float) else None


def qualifies(row):
    """(True, None) or (False, why) for one summary row."""
    p99 = number(row, "write_p99_us")
    if p99 is None:
        return False, "no p99"
    rate, achieved = number(row, "write_rate"), number(row, "commits_per_s")
    unfinished = number(row, "unfinished_commits") or 0
    if rate and (achieved is None or achieved < KEPT_SHARE * rate or unfinished > 0):
        return False, "missed its rate"
    if not number(row, "reads"):
        return False, "no read completed"
    retained, pages, page_size = (number(row, c) for c in ("retained_peak_bytes", "pages", "page_size"))
    if retained is None or pages is None or page_size is None or retained > pages * page_size:
        return False, "over one copy"
    return True, None


def fmt_us(value):
    if value >= 1000:
        return f"{value / 1000:.3g} ms"
    return f"{value:.3g} µs"


def decide(rows, controls):
    """{(hot, read_ms, rate): (winner, p99, runner_up)}; winner None when
    no scheme qualifies."""
    cells = {}
    for row in rows:
        key = tuple(number(row, c) for c in ("hot_pct", "read_pause_ms", "write_rate"))
        if None in key:
            fail(f"x={row.get('x')} {row.get('variant')}: no hot_pct, read_pause_ms or write_rate")
        cells.setdefault(key, [])
        if row["variant"] in controls:
            continue
        ok, _ = qualifies(row)
        if ok:
            cells[key].append((number(row, "write_p99_us"), row["variant"]))
    out = {}
    for key, candidates in cells.items():
        candidates.sort()
        if not candidates:
            out[key] = (None, None, None)
        else:
            runner = candidates[1] if len(candidates) > 1 else None
            out[key] = (candidates[0][1], candidates[0][0], runner)
    return out


def label_of(decision):
    winner, p99, runner = decision
    if winner is None:
        return "none within\\nbudget"
    text = f"{winner}\\n{fmt_us(p99)}"
    if runner:
        text += f"\\n(next: {runner[1]} {fmt_us(runner[0])})"
    return text


def main(argv):
    printing = "--print" in argv
    args = [a for a in argv[1:] if a != "--print"]
    if len(args) != (2 if printing else 4):
        fail("usage: decision.py SUMMARY_CSV META CELLS_CSV FRAGMENT | decision.py --print SUMMARY_CSV META")
    _, rows = read_csv(args[0])
    controls = set(filter(None, meta_value(read_meta(args[1]), "controls", "").split(",")))
    decisions = decide(rows, controls)
    hots = sorted({k[0] for k in decisions})
    reads = sorted({k[1] for k in decisions})
    rates = sorted({k[2] for k in decisions})
    if printing:
        for key in sorted(decisions):
            hot, read_ms, rate = key
            print(f"hot {hot:g}%, reads of {read_ms:g} ms, {rate:g} commits/s: "
                  + label_of(decisions[key]).replace("\\n", " "))
        return 0
    lines = ["hot_pct,read_i,rate_i,read_ms,write_rate,winner,p99_us,label"]
    for key in sorted(decisions):
        hot, read_ms, rate = key
        winner, p99, _ = decisions[key]
        lines.append(",".join([f"{hot:g}", str(reads.index(read_ms) + 1), str(rates.index(rate) + 1),
                               f"{read_ms:g}", f"{rate:g}", winner or "none",
                               "" if p99 is None else f"{p99:g}", '"' + label_of(decisions[key]) + '"']))
    write_whole(args[2], "\n".join(lines) + "\n")
    winners = [v for v in dict.fromkeys(d[0] for d in decisions.values()) if v]
    fragment = [
        'hots = "' + " ".join(f"{h:g}" for h in hots) + '"',
        'reads = "' + " ".join(f"{r:g}" for r in reads) + '"',
        'rates = "' + " ".join(f"{r:g}" for r in rates) + '"',
        'winners = "' + " ".join(winners) + '"',
        'any_empty = ' + ("1" if any(d[0] is None for d in decisions.values()) else "0"),
    ]
    write_whole(args[3], "\n".join(fragment) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("decision", lambda: main(sys.argv)))
