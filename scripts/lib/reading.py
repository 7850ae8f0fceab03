"""Three plain lines that read snapbench's table for a newcomer (scripts/demo
prints them after it): which writers waited for readers, which kept their
commit rate, and which scheme held the most memory for its readers.

Command line: reading.py CSV [LIST]   (LIST: `snapbench --list` output; the
controls it marks -- none, floor -- are left out: they are yardsticks, not
schemes to choose).

The rules, each from the run's own columns:
- waited: the writer was blocked (writer_blocked_ms) for more than 1 % of
  the measured window (duration_s);
- kept its rate: achieved commits_per_s at least 95 % of write_rate and no
  unfinished_commits (write_rate 0 has no target: the fastest is named);
- memory: the largest retained_peak_bytes, with the next two.
An empty cell (not reported) is missing: such a variant is not judged on it.
"""

import sys

from runs import cell, main_guard, read_csv
from macros import fmt, human_bytes

WAIT_SHARE = 0.01
KEPT_SHARE = 0.95


def controls_of(list_path):
    if not list_path:
        return set()
    with open(list_path) as f:
        return {fields[0] for fields in (line.split() for line in f)
                if len(fields) >= 2 and "control" in fields[1].split(",")}


def number(row, column):
    value = cell(row.get(column, ""))
    return value if isinstance(value, float) else None


def names(items):
    return ", ".join(items) if items else "none"


def waited_line(rows):
    waited, window_s = [], None
    for row in rows:
        blocked, window = number(row, "writer_blocked_ms"), number(row, "duration_s")
        if blocked is None or not window:
            continue
        window_s = window
        if blocked > WAIT_SHARE * window * 1000:
            waited.append(f"{row['variant']} ({fmt(blocked)} ms)")
    if window_s is None:
        return "Waited for readers: not measured (no writer_blocked_ms)."
    if not waited:
        return f"Waited for readers: no writer was blocked for over 1 % of the {fmt(window_s)} s run."
    return f"Waited for readers (writer blocked over 1 % of the {fmt(window_s)} s run): {names(waited)}."


def rate_line(rows):
    kept, behind, target = [], [], None
    for row in rows:
        rate, achieved = number(row, "write_rate"), number(row, "commits_per_s")
        if achieved is None or rate is None:
            continue
        if number(row, "writers") == 0:
            continue
        if rate == 0:
            behind.append((achieved, row["variant"]))
            continue
        target = rate
        unfinished = number(row, "unfinished_commits") or 0
        if achieved >= KEPT_SHARE * rate and unfinished == 0:
            kept.append(row["variant"])
        else:
            note = f"{fmt(achieved)}/s" + (f", {fmt(unfinished)} unfinished" if unfinished else "")
            behind.append((None, f"{row['variant']} ({note})"))
    if target is None:
        if behind:
            fastest = max(behind)
            return (f"Kept their rate: no target (--write-rate 0); the fastest writer was "
                    f"{fastest[1]} at {fmt(fastest[0])} commits/s.")
        return "Kept their rate: no writer ran."
    late = [text for _, text in behind]
    return (f"Kept the rate of {fmt(target)} commits/s: {names(kept)}"
            + (f"; fell behind: {names(late)}." if late else "."))


def memory_line(rows):
    held = [(number(row, "retained_peak_bytes"), row["variant"]) for row in rows]
    held = sorted(((b, v) for b, v in held if b is not None), key=lambda p: -p[0])
    if not held:
        return "Held the most memory: not measured."
    if held[0][0] == 0:
        return "Held the most memory: no scheme retained anything for its readers."
    first = f"{held[0][1]} {human_bytes(held[0][0]).replace(chr(92) + ',', ' ')} at peak"
    rest = [f"{v} {human_bytes(b).replace(chr(92) + ',', ' ')}" for b, v in held[1:3] if b > 0]
    return "Held the most memory for readers: " + first + (", then " + " and ".join(rest) if rest else "") + "."


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: reading.py CSV [LIST]", file=sys.stderr)
        return 2
    _, rows = read_csv(argv[1])
    controls = controls_of(argv[2] if len(argv) == 3 else None)
    rows = [row for row in rows if row.get("variant") not in controls]
    if not rows:
        return 0
    print(waited_line(rows))
    print(rate_line(rows))
    print(memory_line(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("demo", lambda: main(sys.argv)))
