"""The forgotten reader's numbers (experiments forgotten-reader and
forgotten-closed), from their timelines (HOST.csv: one row per variant per
100-ms slot of the window) and metas.

For each variant:
- open loop (forgotten-reader): the memory retained at the end of its
  series, and, when its run ended early, when and why: the meta's
  "ended: ..." line (an lmdb map that filled, or --retained-limit);
- closed loop (forgotten-closed): its commit rate in the window's first
  second, and its rate in the second after its 10^6th commit (counted
  from the window's start) as a fraction of it -- or, when the run ended
  or the window closed before 10^6 commits, the commits it made and its
  last second's rate as that fraction.
The model of the open loop's retained memory: a snapshot needs the old
version of each page written since it began; with λ commits/s of k pages
over N pages, at most min(λkT, N) pages at time T into the read, and for
uniform writes N (1 - e^(-λkT/N)) expected.

Command line:
  forgotten.py summary DIR HOST               a table for people
  forgotten.py gnuplot DIR HOST VLIST OUT ENDS RATES
      OUT: gnuplot assignments (the model's lambda, k, N, page, t0, each
      variant's key titles open_title_I / closed_title_I, I its place in
      VLIST, 1-based, and ended_open / ended_closed, the variants whose
      series ended early); ENDS: a CSV (panel,t_s,value,variant) of the
      points where they ended; RATES: a CSV (variant,t_s,commits_per_s)
      of the closed loop's commits per whole second.
"""

import os
import sys

from runs import cell, fail, main_guard, meta_value, read_csv, read_meta, write_whole

SLOT_S = 0.1
PER_SECOND = int(round(1 / SLOT_S))  # slots in a second
THRESHOLD_COMMITS = 1_000_000
PROLOGUE_S = 0.05  # the writers' calibration before the schedule (harness/run.c)
MIB = 1048576.0


def series_of(rows):
    """{variant: [(t_s, row), ...]} in file order."""
    out = {}
    for row in rows:
        t = cell(row.get("t_s"))
        if isinstance(t, float):
            out.setdefault(row["variant"], []).append((t, row))
    return out


def number(row, column):
    value = cell(row.get(column, ""))
    return value if isinstance(value, float) else 0.0


def ended_runs(meta):
    """{variant: reason} from the meta's "ended: x=X repeat=R: VARIANT: ..." lines."""
    out = {}
    for key, value in meta:
        if key != "ended":
            continue
        rest = value.split(": ", 1)[1] if value.startswith("x=") else value
        variant, _, text = rest.partition(": ")
        if "map" in text and "full" in text:
            reason = "map full"
        elif "--retained-limit" in text:
            reason = "stopped at the memory limit"
        else:
            reason = "ended by a resource error"
        out[variant] = reason
    return out


def option(command, names, default):
    """An option's value in a recorded snapbench command, else default."""
    words = command.split()
    for i, word in enumerate(words[:-1]):
        if word in names:
            return words[i + 1]
    return default


def model(meta):
    """(lambda, k, N, page_size, t0): t0 the seconds between the read's
    start (the gate) and the window's start."""
    command = meta_value(meta, "command", "")
    rate = float(option(command, ("--write-rate",), "1000"))
    k = float(option(command, ("-k", "--write-pages"), "4"))
    pages = float(option(command, ("-p", "--pages"), "16384"))
    page = float(option(command, ("-s", "--page-size"), "4096"))
    warmup = float(option(command, ("--warmup",), "1"))
    return rate, k, pages, page, warmup + (PROLOGUE_S if rate > 0 else 0)


def open_loop(series, ended):
    """{variant: (title words, end point or None)}."""
    out = {}
    for v, points in series.items():
        t_end, last = points[-1]
        retained = number(last, "retained_bytes") / MIB
        if v in ended:
            text = f"{v}: {ended[v]} at {t_end:.1f} s ({retained:.0f} MiB)"
            out[v] = (text, (t_end, retained))
        else:
            text = f"{v}: {retained:.1f} MiB at {t_end:.0f} s"
            out[v] = (text, None)
    return out


def rate_over(points, first, count):
    """Commits per second over points[first:first+count] (slots)."""
    chosen = points[first:first + count]
    if not chosen:
        return None
    return sum(number(row, "commits") for _, row in chosen) / (len(chosen) * SLOT_S)


def commits_text(count):
    """10^6 as people write it; other counts as they are."""
    exponent = len(str(int(count))) - 1
    return f"10^{exponent}" if count == 10 ** exponent and exponent >= 3 else f"{count:g}"


def closed_loop(series, ended, threshold=THRESHOLD_COMMITS):
    """{variant: (title words, end point or None, fraction or None)}."""
    out = {}
    per_second = PER_SECOND
    for v, points in series.items():
        first = rate_over(points, 0, per_second)
        total, reached = 0.0, None
        for i, (_, row) in enumerate(points):
            total += number(row, "commits")
            if reached is None and total >= threshold:
                reached = i
        t_end, last = points[-1]
        # The cross sits where the per-second line (rates_text) ends.
        last_chunk = rate_over(points, (len(points) - 1) // per_second * per_second, per_second)
        end = (t_end, last_chunk if last_chunk else 1.0) if v in ended else None
        why = f", {ended[v]} at {t_end:.1f} s" if v in ended else ""
        if not first:
            out[v] = (f"{v}: no commit in its first second{why}", end, None)
            continue
        if reached is not None and reached + 1 < len(points):
            after = rate_over(points, reached + 1, per_second)
            fraction = after / first
            out[v] = (f"{v}: {fraction:.2f} of its first second's rate after "
                      f"{commits_text(threshold)} commits{why}", end, fraction)
        else:
            last_second = rate_over(points, max(0, len(points) - per_second), per_second)
            fraction = last_second / first
            out[v] = (f"{v}: {total:.0f} commits in {t_end:.1f} s{why}; last second "
                      f"{fraction:.2f} of the first", end, None)
    return out


def load(directory, experiment, host):
    base = os.path.join(directory, experiment, host)
    if not os.path.exists(base + ".csv"):
        return None, None
    _, rows = read_csv(base + ".csv")
    meta = read_meta(base + ".meta") if os.path.exists(base + ".meta") else []
    return series_of(rows), meta


def gnuplot_text(open_data, closed_data, vlist, parameters):
    rate, k, pages, page, t0 = parameters
    lines = [f"lambda = {rate!r}", f"k = {k!r}", f"N = {pages!r}", f"page = {page!r}", f"t0 = {t0!r}"]
    for name, data in (("open", open_data), ("closed", closed_data)):
        ended = " ".join(v for v in vlist if v in data and data[v][1] is not None)
        lines.append(f'ended_{name} = "{ended}"')
    for i, v in enumerate(vlist, start=1):
        for name, data in (("open", open_data), ("closed", closed_data)):
            title = data[v][0] if v in data else v
            lines.append(f'{name}_title_{i} = "{escape(title)}"')
    return "\n".join(lines) + "\n"


def escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def ends_text(open_data, closed_data):
    rows = []
    for panel, data in (("open", open_data), ("closed", closed_data)):
        for v, entry in data.items():
            if entry[1] is not None:
                t, value = entry[1]
                rows.append(f"{panel},{t:g},{value:g},{v}")
    return "\n".join(["panel,t_s,value,variant"] + rows) + "\n"


def rates_text(series):
    """variant,t_s,commits_per_s over whole seconds of each series (its
    last, partial second over the slots it has), for the closed loop's
    panel: 100-ms slots are too noisy over 120 s."""
    per_second = PER_SECOND
    rows = ["variant,t_s,commits_per_s"]
    for v, points in series.items():
        for start in range(0, len(points), per_second):
            chunk = points[start:start + per_second]
            rate = sum(number(row, "commits") for _, row in chunk) / (len(chunk) * SLOT_S)
            rows.append(f"{v},{chunk[-1][0]:g},{rate:g}")
    return "\n".join(rows) + "\n"


def main(argv):
    if len(argv) < 4 or argv[1] not in ("summary", "gnuplot"):
        fail("usage: forgotten.py summary DIR HOST | gnuplot DIR HOST VLIST OUT ENDS RATES")
    directory, host = argv[2], argv[3]
    open_series, open_meta = load(directory, "forgotten-reader", host)
    closed_series, closed_meta = load(directory, "forgotten-closed", host)
    if open_series is None and closed_series is None:
        fail(f"no forgotten-reader or forgotten-closed results for {host} in {directory}")
    open_data = open_loop(open_series, ended_runs(open_meta)) if open_series else {}
    closed_data = closed_loop(closed_series, ended_runs(closed_meta)) if closed_series else {}
    if argv[1] == "summary":
        if open_data:
            print("forgotten-reader (one read open, writer at its target rate):")
            for text, _ in open_data.values():
                print("  " + text)
        if closed_data:
            print("forgotten-closed (one read open, closed-loop writer):")
            for text, _, _ in closed_data.values():
                print("  " + text)
        return 0
    if len(argv) != 8:
        fail("usage: forgotten.py gnuplot DIR HOST VLIST OUT ENDS RATES")
    parameters = model(open_meta if open_meta else closed_meta)
    write_whole(argv[5], gnuplot_text(open_data, closed_data, argv[4].split(), parameters))
    write_whole(argv[6], ends_text(open_data, closed_data))
    write_whole(argv[7], rates_text(closed_series or {}))
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("forgotten", lambda: main(sys.argv)))
