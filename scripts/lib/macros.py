"""The paper's numbers: paper/generated/results.tex out of the results (see
scripts/paper-macros for the macros it defines and the files it reads).

Everything here turns result files into `\\sb@set{KEY}{VALUE}` lines.  A key
is a path: n|u/EXP/X/VARIANT/COLUMN (a measured value as a number, or with
a scaled unit), x|xf/EXP/VARIANT/min|max, d/NAME (derived), t/VARIANT/NAME
(timeline), m/EXP/KEY (meta; EXP * = the first meta that has KEY), xs/EXP,
vl/EXP and nv/EXP (its x values, variants and their number).

An empty cell is a value snapbench did not report: it gets no macro (the
paper prints a bold ?? and LaTeX warns), never a 0, and a ratio that needs
it is not computed.
"""

import csv
import math
import re

import findings

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$|^-?\.[0-9]+$")
# Options of a sweep's first command that are not what the sweep holds
# fixed: they vary per run or name files (each is followed by its value).
PER_RUN_OPTIONS = ("-v", "-o", "--seed", "--timeline", "--warmup", "-d", "--hgrm")
# The snapbench option each experiment's x sets.
VARIED_OPTION = {"read_pause_ms": "--read-pause", "db_mib": "-p", "hot_pct": "--hot",
                 "write_rate": "--write-rate", "readers": "-r", "t_s": ""}
# The variants the retained-memory ratios compare with pagever.
RETAINED_OTHERS = ("rcucow", "epochcow", "lmdb", "sqlite", "forkcow", "leftright")
# Experiments whose every value is not made a macro (see measured_values).
NO_VALUE_MACROS = ("decision-map",)


# ---- formatting: about three significant digits, no exponent ----

def isnum(s):
    return bool(NUMBER.match(s))


def normx(s):
    """An x value as a key: 1000.0 -> 1000, 0.10 -> 0.1."""
    return "%.15g" % float(s) if isnum(s) else s


def commas(s):
    out = ""
    while len(s) > 3:
        out = "," + s[-3:] + out
        s = s[:-3]
    return s + out


def trimzeros(s):
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def fmt(v):
    v = float(v)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 999.5:
        s = commas("%.0f" % a)
    elif a >= 99.95:
        s = "%.0f" % a
    elif a >= 9.995:
        s = trimzeros("%.1f" % a)
    elif a >= 0.9995:
        s = trimzeros("%.2f" % a)
    elif a >= 0.0001:
        s = trimzeros("%.3g" % a)
    else:
        s = "<0.0001"
    return ("-" if v < 0 else "") + s


def fmtratio(r):
    """Two significant digits from 100 up: 3,340 -> 3,300."""
    if r >= 99.5:
        p = 1
        while r / p >= 99.5:
            p *= 10
        return commas("%.0f" % (float("%.0f" % (r / p)) * p))
    if r >= 9.95:
        return "%.0f" % r
    return trimzeros("%.1f" % r)


def unit(n, u):
    return n + "\\," + u


def human_us(v):
    v = float(v)
    if v == 0:
        return unit("0", "\\textmu s")
    if v < 1:
        return unit(fmt(v * 1000), "ns")
    if v < 999.5:
        return unit(fmt(v), "\\textmu s")
    if v < 999500:
        return unit(fmt(v / 1000), "ms")
    return unit(fmt(v / 1e6), "s")


def human_bytes(v):
    v = float(v)
    if v < 1024:
        return unit(fmt(v), "B")
    if v < 1048576:
        return unit(fmt(v / 1024), "KiB")
    if v < 1073741824:
        return unit(fmt(v / 1048576), "MiB")
    return unit(fmt(v / 1073741824), "GiB")


def metric(column):
    """The metric a column measures, without its _lo/_hi suffix."""
    return re.sub(r"_(lo|hi)$", "", column)


def human(column, v):
    m = metric(column)
    if m.endswith("_us"):
        return human_us(v)
    if m.endswith("_ms"):
        return human_us(float(v) * 1000)
    if m.endswith("_bytes"):
        return human_bytes(v)
    if m == "scan_gbps":
        return unit(fmt(v), "GB/s")
    if m == "commits_per_s":
        return unit(fmt(v), "commits/s")
    if m == "scan_pct":
        return fmt(v) + "\\,\\%"
    return fmt(v)


def tex(s):
    """A meta value escaped for LaTeX text (the backslash first, so that its
    replacement's braces are escaped in turn, as the shell version did)."""
    s = s.replace("\\", "\\textbackslash{}")
    s = re.sub(r"([&%$#_{}])", r"\\\1", s)
    s = s.replace("~", "\\textasciitilde{}")
    return s.replace("^", "\\textasciicircum{}")


def num(s):
    """A cell or value as a float: "" and non-numbers count as 0 only where
    the caller has already checked for them."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return 0.0


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        return header, [row for row in reader if row]


# ---- the results, as read ----

class Results:
    def __init__(self):
        self.values = {}        # (e, x, v, column) -> raw cell text
        self.experiments = []   # in order of first appearance
        self.xs = {}            # e -> [x] in order of first appearance
        self.variants = {}      # e -> [v] in order of first appearance
        self.headers = {}       # e -> the summary CSV's header
        self.total_runs = 0.0
        self.total_violations = 0.0

    def read_summary(self, path):
        header, rows = read_rows(path)
        for fields in rows:
            e, x, v = fields[0], normx(fields[1]), fields[2]
            if e not in self.xs:
                self.experiments.append(e)
                self.xs[e], self.variants[e] = [], []
            self.headers[e] = header
            if x not in self.xs[e]:
                self.xs[e].append(x)
            if v not in self.variants[e]:
                self.variants[e].append(v)
            self.values[(e, x, v, "variant")] = v
            for name, value in zip(header[3:], fields[3:]):
                self.values[(e, x, v, name)] = value
            self.total_runs += num(fields[3])
            if "violations" in header:
                self.total_violations += num(fields[header.index("violations")])

    def have(self, e, x, v, c):
        """True when the value exists and is not an empty cell."""
        return self.values.get((e, x, v, c), "") != ""

    def measured(self, e, x, v):
        return (e, x, v, "variant") in self.values

    def val(self, e, x, v, c):
        return self.values.get((e, x, v, c), "") if x != "" else ""

    def nearest(self, e, v, want):
        """The x of experiment e nearest to want (in ratio) among those
        measured for variant v, or ""."""
        best, best_d = "", 0.0
        for x in self.xs.get(e, []):
            if not self.measured(e, x, v):
                continue
            if float(x) <= 0 or float(want) <= 0:
                d = 0.0 if float(x) == float(want) else 1e300
            else:
                d = abs(math.log(float(x) / float(want)))
            if best == "" or d < best_d:
                best, best_d = x, d
        return best


class Meta:
    """Every .meta line as a macro, the first command of each experiment,
    and the commits measured at."""

    def __init__(self):
        self.lines = []
        self.first_command = {}
        self.x_name = {}
        self.all_keys = set()
        self.commits = []

    def read(self, path, experiment, out):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                key = line.split(":", 1)[0]
                m = re.match(r"^[^:]*:[ \t]*", line)
                value = line[m.end():] if m else line
                if key == "command":
                    if experiment in self.first_command:
                        continue
                    self.first_command[experiment] = value
                if key == "x_name":
                    self.x_name[experiment] = value
                out.set(f"m/{experiment}/{key}", tex(value))
                if key not in self.all_keys:
                    self.all_keys.add(key)
                    out.set(f"m/*/{key}", tex(value))
                if key == "git_commit":
                    if value not in self.commits:
                        self.commits.append(value)
                    if "git_commit_short" not in self.all_keys:
                        self.all_keys.add("git_commit_short")
                        out.set("m/*/git_commit_short", tex(value[:12]))
                    out.set(f"m/{experiment}/git_commit_short", tex(value[:12]))


class Timeline:
    def __init__(self, path):
        self.variants = []
        self.end, self.retained, self.p99, self.rss = {}, {}, {}, {}
        self.commits, self.reads, self.idle, self.slots = {}, {}, {}, {}
        if path is None:
            return
        header, rows = read_rows(path)
        col = {name: i for i, name in enumerate(header)}
        for fields in rows:
            v = fields[col["variant"]]
            if v not in self.slots:
                self.variants.append(v)
                for d in (self.end, self.retained, self.p99, self.rss, self.commits, self.reads,
                          self.idle, self.slots):
                    d[v] = 0.0
            for d, name in ((self.end, "t_s"), (self.retained, "retained_bytes"),
                            (self.p99, "write_p99_us"), (self.rss, "rss_bytes")):
                d[v] = max(d[v], num(fields[col[name]]))
            self.commits[v] += num(fields[col["commits"]])
            self.reads[v] += num(fields[col["reads"]])
            if num(fields[col["commits"]]) == 0:
                self.idle[v] += 1
            self.slots[v] += 1


class SideBySide:
    """What the headline side-by-side runs (scripts/figures) measured: the
    harness's own cost, the idle writer's noise floor, the scan limit."""

    def __init__(self, csv_path, txt_path):
        self.harness_cps = self.idle_p999 = self.idle_max = self.idle_rate = None
        self.none_scan = self.calibrate = None
        self.none_scan_bytes = 0.0
        if csv_path:
            header, rows = read_rows(csv_path)
            col = {name: i for i, name in enumerate(header)}
            for fields in rows:
                get = lambda name: fields[col[name]]  # noqa: E731
                if get("variant") != "none":
                    continue
                if num(get("readers")) == 0 and num(get("write_rate")) == 0:
                    self.harness_cps = get("commits_per_s")
                if num(get("readers")) == 0 and num(get("write_rate")) > 0:
                    self.idle_p999, self.idle_max = get("write_p999_us"), get("write_max_us")
                    self.idle_rate = get("write_rate")
                size = num(get("pages")) * num(get("page_size"))
                if num(get("writers")) == 0 and get("scan_work") == "sum" and size > self.none_scan_bytes:
                    self.none_scan_bytes, self.none_scan = size, get("scan_gbps")
        if txt_path:
            with open(txt_path) as f:
                for line in f:
                    m = re.search(r"[0-9.]+ GB/s", line)
                    if line.startswith("calibrate:") and m:
                        self.calibrate = float(m.group(0)[:-5])


# ---- the output ----

class Out:
    def __init__(self):
        self.lines = []

    def set(self, key, value):
        self.lines.append("\\sb@set{%s}{%s}" % (key, value))

    def raw(self, text):
        self.lines.append(text)

    def setn(self, e, x, v, c, value):
        """One measured value, as a number and with its unit."""
        self.set(f"n/{e}/{x}/{v}/{c}", fmt(value) if isnum(value) else tex(value))
        self.set(f"u/{e}/{x}/{v}/{c}", human(c, value) if isnum(value) else tex(value))

    def ratio(self, name, a, b):
        """a / b as a derived value, when both exist and b is not 0."""
        if a == "" or b == "" or num(b) == 0:
            return
        r = num(a) / num(b)
        self.set("d/" + name, fmtratio(r))
        self.set("draw/" + name, "%.6g" % r)


def header_text(results_dir, host):
    return f"""% Generated by scripts/paper-macros from {results_dir} (host {host}); do not edit.
\\makeatletter
\\def\\sb@set#1#2{{\\expandafter\\def\\csname sb@#1\\endcsname{{#2}}}}
\\def\\sb@get#1{{\\ifcsname sb@#1\\endcsname\\csname sb@#1\\endcsname\\else\\sb@missing{{#1}}\\fi}}
\\def\\sb@missing#1{{\\textbf{{??}}\\PackageWarning{{snapbench}}{{no result for #1}}}}
% X = min or max names the smallest or largest x measured for that variant.
\\def\\sb@x#1#2#3{{\\ifcsname sb@x/#1/#3/#2\\endcsname\\csname sb@x/#1/#3/#2\\endcsname\\else#2\\fi}}
\\newcommand\\res[4]{{\\sb@get{{n/#1/\\sb@x{{#1}}{{#2}}{{#3}}/#3/#4}}}}
\\newcommand\\resu[4]{{\\sb@get{{u/#1/\\sb@x{{#1}}{{#2}}{{#3}}/#3/#4}}}}
\\newcommand\\resx[3]{{\\sb@get{{xf/#1/#2/#3}}}}
\\newcommand\\resd[1]{{\\sb@get{{d/#1}}}}
\\newcommand\\restl[2]{{\\sb@get{{t/#1/#2}}}}
\\newcommand\\resmeta[2]{{\\sb@get{{m/#1/#2}}}}
\\newcommand\\resmetaall[1]{{\\sb@get{{m/*/#1}}}}
\\newcommand\\resxs[1]{{\\sb@get{{xs/#1}}}}
\\newcommand\\resvl[1]{{\\sb@get{{vl/#1}}}}
\\newcommand\\resnv[1]{{\\sb@get{{nv/#1}}}}
"""


def measured_values(r, out):
    """Every measured value, and the min/max aliases per (experiment, variant)."""
    for e in r.experiments:
        for v in r.variants[e]:
            xs = [x for x in r.xs[e] if r.measured(e, x, v)]
            xmin = min(xs, key=float) if xs else ""
            xmax = max(xs, key=float) if xs else ""
            out.set(f"x/{e}/{v}/min", xmin)
            out.set(f"x/{e}/{v}/max", xmax)
            out.set(f"xf/{e}/{v}/min", fmt(xmin) if xmin != "" else "")
            out.set(f"xf/{e}/{v}/max", fmt(xmax) if xmax != "" else "")
            # The decision map's cells are read by findings.py: their
            # thousands of values as macros would overflow TeX's pool.
            for x in (xs if e not in NO_VALUE_MACROS else []):
                for c in r.headers[e][3:]:
                    if r.have(e, x, v, c):
                        out.setn(e, x, v, c, r.values[(e, x, v, c)])
        out.set(f"xs/{e}", ", ".join(fmt(x) for x in sorted((float(x) for x in r.xs[e]))))
        out.set(f"nv/{e}", str(len(r.variants[e])))
        out.set(f"vl/{e}", ", ".join("\\textsf{%s}" % v for v in r.variants[e]))


def scan_shares(r, out):
    """scan-write: each variant's scan rate as a share of none with no writer."""
    e = "scan-write"
    base = r.val(e, r.nearest(e, "none", 0), "none", "scan_gbps")
    if base == "" or num(base) <= 0:
        return
    for v in r.variants.get(e, []):
        for x in r.xs[e]:
            if r.have(e, x, v, "scan_gbps"):
                out.setn(e, x, v, "scan_pct", "%.17g" % (100 * num(r.values[(e, x, v, "scan_gbps")]) / num(base)))


def stall_ratios(r, out, key_read):
    kr = r.nearest("stall-read", "pagever", key_read)
    read_ms = kr if kr != "" else key_read
    out.raw("\\def\\keyreadms{%s}" % read_ms)
    out.set("d/keyread-human", human_us(num(read_ms) * 1000))
    e, val = "stall-read", r.val
    read_us = "%.17g" % (num(kr) * 1000) if kr != "" else ""
    out.ratio("stall-rwlock-max-over-pagever-p999", val(e, kr, "rwlock", "write_max_us"), val(e, kr, "pagever", "write_p999_us"))
    out.ratio("stall-rwlock-max-over-pagever-max", val(e, kr, "rwlock", "write_max_us"), val(e, kr, "pagever", "write_max_us"))
    out.ratio("stall-leftright-max-over-pagever-max", val(e, kr, "leftright", "write_max_us"), val(e, kr, "pagever", "write_max_us"))
    out.ratio("stall-rwlock-p50-over-read", val(e, kr, "rwlock", "write_p50_us"), read_us)
    out.ratio("stall-leftright-max-over-read", val(e, kr, "leftright", "write_max_us"), read_us)
    out.ratio("stall-rwlock-max-over-read", val(e, kr, "rwlock", "write_max_us"), read_us)
    # how much pagever's tail moves across the whole read range (max x over min x)
    xl, xh = r.nearest(e, "pagever", 0.000001), r.nearest(e, "pagever", 1e300)
    out.ratio("stall-pagever-p999-growth", val(e, xh, "pagever", "write_p999_us"), val(e, xl, "pagever", "write_p999_us"))
    out.ratio("stall-read-range", xh, xl)
    xl, xh = r.nearest(e, "rwlock", 0.000001), r.nearest(e, "rwlock", 1e300)
    out.ratio("stall-rwlock-max-growth", val(e, xh, "rwlock", "write_max_us"), val(e, xl, "rwlock", "write_max_us"))


def size_ratios(r, out):
    e, val = "stall-size", r.val
    for v in r.variants.get(e, []):
        xl, xh = r.nearest(e, v, 0.000001), r.nearest(e, v, 1e300)
        out.ratio("size-range", xh, xl)
        out.ratio(f"size-{v}-max-growth", val(e, xh, v, "write_max_us"), val(e, xl, v, "write_max_us"))
        out.ratio(f"size-{v}-p999-growth", val(e, xh, v, "write_p999_us"), val(e, xl, v, "write_p999_us"))
        # stall per GiB at the largest size (x is MiB)
        if val(e, xh, v, "write_max_us") != "" and num(xh) > 0:
            out.set(f"d/size-{v}-ms-per-gib", fmt(num(val(e, xh, v, "write_max_us")) / 1000 / (num(xh) / 1024)))
    xh = r.nearest(e, "fullcopy", 1e300)
    out.ratio("size-fullcopy-max-over-pagever-max", val(e, xh, "fullcopy", "write_max_us"), val(e, xh, "pagever", "write_max_us"))
    out.ratio("size-forkcow-max-over-pagever-max", val(e, xh, "forkcow", "write_max_us"), val(e, xh, "pagever", "write_max_us"))


def retained_ratios(r, out, key_read):
    e, val, col = "retained-read", r.val, "retained_peak_bytes"
    kr, xh = r.nearest(e, "pagever", key_read), r.nearest(e, "pagever", 1e300)
    for o in RETAINED_OTHERS:
        out.ratio(f"retained-{o}-over-pagever", val(e, kr, o, col), val(e, kr, "pagever", col))
        out.ratio(f"retained-{o}-over-pagever-maxread", val(e, xh, o, col), val(e, xh, "pagever", col))
    e = "retained-hot"
    xl, xh = r.nearest(e, "pagever", 0.000001), r.nearest(e, "pagever", 1e300)
    for o in RETAINED_OTHERS:
        out.ratio(f"hot-{o}-over-pagever-minhot", val(e, xl, o, col), val(e, xl, "pagever", col))
        out.ratio(f"hot-{o}-over-pagever-maxhot", val(e, xh, o, col), val(e, xh, "pagever", col))
    out.ratio("hot-pagever-growth", val(e, xh, "pagever", col), val(e, xl, "pagever", col))
    out.ratio("hot-rcucow-growth", val(e, xh, "rcucow", col), val(e, xl, "rcucow", col))


def staleness_and_readers(r, out):
    e, val = "staleness", r.val
    # The longest read at which leftright missed any commit: a point whose
    # reads all began before the first commit (a window too short for a
    # second read) measures no staleness at all.
    stale_xs = [x for x in r.xs.get(e, []) if r.have(e, x, "leftright", "stale_max_commits")
                and num(r.values[(e, x, "leftright", "stale_max_commits")]) > 0]
    xh = max(stale_xs, key=float) if stale_xs else ""
    if xh:
        out.set("d/stale-leftright-x", fmt(xh))
        out.set("d/stale-leftright-max", fmt(r.values[(e, xh, "leftright", "stale_max_commits")]))
    stale, rate = val(e, xh, "leftright", "stale_max_commits"), val(e, xh, "leftright", "commits_per_s")
    if stale != "" and rate != "" and num(xh) > 0:
        out.ratio("stale-leftright-over-read-commits", stale, "%.17g" % (num(rate) * num(xh) / 1000))
    e = "readers"
    xl, xh = r.nearest(e, "pagever", 0.000001), r.nearest(e, "pagever", 1e300)
    for v in r.variants.get(e, []):
        out.ratio(f"readers-{v}-p999-growth", val(e, xh, v, "write_p999_us"), val(e, xl, v, "write_p999_us"))
        out.ratio(f"readers-{v}-retained-growth", val(e, xh, v, "retained_peak_bytes"), val(e, xl, v, "retained_peak_bytes"))


def fixed_options(meta, out):
    """What each sweep holds fixed: its first command minus the varied option
    and the per-run ones."""
    for e, command in meta.first_command.items():
        words = command.split(" ")
        varied = VARIED_OPTION.get(meta.x_name.get(e, ""))
        fixed, i = [], 1
        while i < len(words):
            o = words[i]
            if o == "-q":
                i += 1
                continue
            if (o in PER_RUN_OPTIONS or (varied is not None and o == varied)
                    or (meta.x_name.get(e) == "write_rate" and o == "-w")):
                i += 2
                continue
            fixed.append(o)
            i += 1
        out.set(f"d/fixed-{e}", tex(" ".join(fixed)))


def totals(r, meta, out, host):
    out.set("d/runs", commas("%.0f" % r.total_runs))
    out.set("d/violations", commas("%.0f" % r.total_violations))
    out.set("d/experiments", str(len(r.experiments)))
    out.set("d/commits-distinct", str(len(meta.commits)))
    out.set("d/variants-stall-read", str(len(r.variants.get("stall-read", []))))
    out.set("d/host", tex(host))


def timeline_summaries(t, out):
    if t.variants:
        out.set("nv/timeline", str(len(t.variants)))
    for v in t.variants:
        out.set(f"t/{v}/retained_peak", human_bytes(t.retained[v]))
        out.set(f"t/{v}/p99_max", human_us(t.p99[v]))
        out.set(f"t/{v}/rss_peak", human_bytes(t.rss[v]))
        out.set(f"t/{v}/commits", commas("%.0f" % t.commits[v]))
        out.set(f"t/{v}/reads", commas("%.0f" % t.reads[v]))
        out.set(f"t/{v}/idle_pct", fmt(100 * t.idle[v] / t.slots[v]) + "\\,\\%")
        out.set(f"t/{v}/duration", unit(fmt(t.end[v]), "s"))


def side_by_side(s, out):
    if s.harness_cps not in (None, "") and num(s.harness_cps) > 0:
        out.set("d/harness-commits-per-s", fmt(s.harness_cps))
        out.set("d/harness-ns-per-commit", fmt(1e9 / num(s.harness_cps)))
    if s.none_scan not in (None, ""):
        out.set("d/none-scan-gbps", fmt(s.none_scan))
        out.set("d/none-scan-bytes", human_bytes(s.none_scan_bytes))
    if s.idle_p999 not in (None, ""):
        out.set("d/none-idle-p999", human_us(s.idle_p999))
        out.set("d/none-idle-max", human_us(s.idle_max))
        out.set("d/none-idle-rate", fmt(s.idle_rate))
    if s.calibrate is not None:
        out.set("d/calibrate-gbps", fmt(s.calibrate))
    if s.calibrate is not None and s.none_scan not in (None, "") and s.calibrate > 0:
        out.set("d/none-scan-pct-of-loop", fmt(100 * num(s.none_scan) / s.calibrate))


def stall_table(r, out, key_read):
    """The paper's stall table: every variant of stall-read at the key read;
    a value not reported reads as a dash."""
    e = "stall-read"
    out.raw("\\def\\sbStallRows{%")

    def cell(x, v, c, show):
        return show(c, r.values[(e, x, v, c)]) if r.have(e, x, v, c) else "--"

    for v in r.variants.get(e, []):
        x = r.nearest(e, v, key_read)
        if x == "":
            continue
        out.raw("\\textsf{%s} & %s & %s & %s & %s & %s & %s \\\\" % (
            v, cell(x, v, "write_p50_us", human), cell(x, v, "write_p999_us", human),
            cell(x, v, "write_max_us", human), cell(x, v, "retained_peak_bytes", human),
            cell(x, v, "scan_gbps", human), cell(x, v, "starved_reads", lambda c, s: fmt(s))))
    out.raw("}")


def generate(results_dir, host, key_read, summaries, metas, timeline, runs_csv, runs_txt, figdir):
    """The whole of results.tex as text.  metas: [(experiment, path)]."""
    r = Results()
    for path in summaries:
        r.read_summary(path)
    out = Out()
    meta = Meta()
    for experiment, path in metas:
        meta.read(path, experiment, out)
    meta_lines = out.lines
    out = Out()
    out.raw("\\makeatletter")
    measured_values(r, out)
    scan_shares(r, out)
    stall_ratios(r, out, key_read)
    size_ratios(r, out)
    retained_ratios(r, out, key_read)
    staleness_and_readers(r, out)
    fixed_options(meta, out)
    totals(r, meta, out, host)
    timeline_summaries(Timeline(timeline), out)
    side_by_side(SideBySide(runs_csv, runs_txt), out)
    stall_table(r, out, key_read)
    findings.generate(results_dir, host, out.set, fmt, human_bytes)
    out.raw("\\def\\sbfigdir{%s}" % figdir)
    out.raw("\\makeatother")
    return header_text(results_dir, host) + "\n".join(meta_lines + out.lines) + "\n"
