"""Reading and writing snapbench's CSV files: the raw rows (runs.csv, one
row per variant per run, `x,repeat,` in front) and the sweep's summaries.

An empty cell is a value snapbench did not report (a percentile without
enough samples behind it, a read figure of a variant whose readers
completed no read): it is missing, never 0.  Everything here keeps it as
None.
"""

import csv
import io
import math
import os
import sys
import tempfile


def cell(text):
    """A CSV cell as a number, or None when it is empty; text stays text."""
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def is_number(value):
    return isinstance(value, float)


def read_csv(path):
    """(header, rows) of a CSV file; each row a dict of column -> raw text."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return [], []
        rows = []
        for line_no, fields in enumerate(reader, start=2):
            if not fields:
                continue
            if len(fields) != len(header):
                fail(f"{path}:{line_no}: {len(fields)} fields, the header has {len(header)}")
            rows.append(dict(zip(header, fields)))
    return header, rows


def numeric_columns(header, rows, skip=()):
    """The columns, in header order, whose every non-empty cell is a number:
    the ones a median makes sense of.  A column empty in every row (a
    percentile no run reported) is one of them: its cells stay empty."""
    columns = []
    for name in header:
        if name in skip:
            continue
        values = [cell(row[name]) for row in rows]
        present = [v for v in values if v is not None]
        if all(is_number(v) for v in present):
            columns.append(name)
    return columns


def median(values):
    """The median of a non-empty list of numbers (the mean of the middle two
    for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def fmt(value):
    """A number as the sweep writes it: ten significant digits, no trailing
    zeros ("%.10g"); None as an empty cell."""
    return "" if value is None else "%.10g" % value


def csv_text(header, rows):
    """Rows (lists of cells already formatted) as CSV text, \\n line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_whole(path, text):
    """Writes text to path whole: a temporary file beside it, then rename,
    so that a reader never sees half a file and a failure leaves the old one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp.", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_meta(path):
    """A .meta file as a list of (key, value) pairs, in file order (keys such
    as `command` repeat)."""
    pairs = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or ":" not in line:
                continue
            key, _, value = line.partition(":")
            pairs.append((key, value.lstrip(" \t")))
    return pairs


def meta_value(pairs, key, default=None):
    """The first value of key in a meta's pairs."""
    for k, v in pairs:
        if k == key:
            return v
    return default


class UsageError(Exception):
    """Bad input: the caller prints one line and exits 2."""


def fail(message):
    raise UsageError(message)


def main_guard(program, body):
    """Runs body(); a UsageError becomes one line on stderr and exit 2, a
    failed allocation exit 3."""
    try:
        status = body()
    except UsageError as e:
        print(f"{program}: {e}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{program}: out of memory", file=sys.stderr)
        return 3
    except BrokenPipeError:
        return 0
    return status or 0
