"""The paper's claims, each checked against results/ when the paper is built.

A sentence the paper states as a finding is written \\claim{NAME}{...}.
scripts/paper-macros runs every check below on the committed results and
writes \\sb@set{c/NAME}{1} when it holds, 0 when the data contradict it and
? when the data it needs are missing, with its numbers in \\sb@set{cd/NAME}.
paper-macros exits 1 naming every contradicted claim (and every missing
one, unless --allow-missing), and the paper's \\claim stops LaTeX on a 0
or on a name not defined here: the build fails when the data contradict
the text.

Each check reads the sweeps' summaries (HOST.csv: the median of the
repeats per (x, variant), _lo/_hi the spread), a timeline experiment's
series, or a meta; never the paper.  It returns (holds, detail): detail is
one line with the numbers it compared.  The thresholds are the ones the
paper's sentence states; change both together.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibration  # noqa: E402
import decision  # noqa: E402
import forgotten  # noqa: E402
import pagever_figures  # noqa: E402
import runs  # noqa: E402

MIB = 1048576.0


class Missing(Exception):
    """The data a claim needs are not there."""


def need(value, what):
    if value is None:
        raise Missing(what)
    return value


class Data:
    """The summaries, series and metas of one host, read on demand."""

    def __init__(self, results_dir, host):
        self.dir, self.host = results_dir, host
        self._cache = {}

    def _path(self, experiment, suffix):
        return os.path.join(self.dir, experiment, self.host + suffix)

    def rows(self, experiment):
        key = ("rows", experiment)
        if key not in self._cache:
            path = self._path(experiment, ".csv")
            self._cache[key] = runs.read_csv(path)[1] if os.path.isfile(path) else None
        return need(self._cache[key], f"{experiment}/{self.host}.csv")

    def meta(self, experiment):
        key = ("meta", experiment)
        if key not in self._cache:
            path = self._path(experiment, ".meta")
            self._cache[key] = runs.read_meta(path) if os.path.isfile(path) else None
        return need(self._cache[key], f"{experiment}/{self.host}.meta")

    def value(self, experiment, x, variant, column):
        """The median of column at (x, variant); Missing when absent or empty."""
        for row in self.rows(experiment):
            if row.get("variant") == variant and float(row["x"]) == float(x):
                v = runs.cell(row.get(column, ""))
                return need(v if isinstance(v, float) else None,
                            f"{experiment} x={x:g} {variant} {column}")
        raise Missing(f"{experiment} x={x:g} {variant}")

    def xs(self, experiment, variant):
        xs = sorted({float(r["x"]) for r in self.rows(experiment) if r.get("variant") == variant})
        return need(xs or None, f"{experiment}: no {variant}")

    def series(self, experiment):
        """A timeline experiment: ({variant: [(t_s, row)]}, meta)."""
        series, meta = forgotten.load(self.dir, experiment, self.host)
        return need(series, f"{experiment}/{self.host}.csv"), meta or []


def g(v):
    """A number for a detail line: three significant digits."""
    return "%.3g" % v


CLAIMS = []


def claim(name):
    def register(check):
        CLAIMS.append((name, check))
        return check
    return register


def evaluate(results_dir, host):
    """[(name, True | False | None when data are missing, detail)]."""
    data = Data(results_dir, host)
    out = []
    for name, check in CLAIMS:
        try:
            holds, detail = check(data)
        except Missing as e:
            out.append((name, None, f"missing: {e}"))
            continue
        out.append((name, bool(holds), detail))
    return out


# ---- helpers the claims share ----

def every(data, experiment, variant, test, xs=None):
    """(all x pass test(x), detail of the worst): test(x) -> (ok, text)."""
    results = [(x,) + tuple(test(x)) for x in (xs if xs is not None else data.xs(experiment, variant))]
    failed = [f"x={x:g}: {text}" for x, ok, text in results if not ok]
    if failed:
        return False, "; ".join(failed)
    return True, "; ".join(f"x={x:g}: {text}" for x, _, text in results)


# ---- the claims ----

@claim("oracle-clean")
def oracle_clean(data):
    """No experiment's runs found a violation."""
    total, experiments = 0.0, 0
    for name in sorted(os.listdir(data.dir)):
        path = os.path.join(data.dir, name, data.host + ".runs.csv")
        if not os.path.isfile(path):
            continue
        experiments += 1
        for row in runs.read_csv(path)[1]:
            v = runs.cell(row.get("violations", ""))
            total += v if isinstance(v, float) else 0
    need(experiments or None, "no runs.csv")
    return total == 0, f"{total:g} violations in the runs of {experiments} experiments"


def follows_read(variant):
    """The variant's worst commit waited at least half of every read of 100
    ms or more: its writer waits for the reader."""
    def check(data):
        xs = [x for x in data.xs("stall-read", variant) if x >= 100]
        need(xs or None, f"stall-read: {variant} at reads >= 100 ms")

        def test(x):
            m = data.value("stall-read", x, variant, "write_max_us")
            return m >= 0.5 * x * 1000, f"max {g(m / 1000)} ms"
        return every(data, "stall-read", variant, test, xs)
    return check


claim("rwlock-follows-read")(follows_read("rwlock"))
claim("leftright-follows-read")(follows_read("leftright"))


@claim("pagever-p999-floor-read")
def pagever_p999_floor_read(data):
    """At every read length, pagever's p99.9 is at most 1.2x the floor's
    measured in the same sweep."""
    def test(x):
        p, f = (data.value("stall-read", x, v, "write_p999_us") for v in ("pagever", "floor"))
        return p <= 1.2 * f, f"pagever {g(p)} us, floor {g(f)} us ({g(p / f)}x)"
    return every(data, "stall-read", "pagever", test)


@claim("others-leave-floor")
def others_leave_floor(data):
    """At the 10 s read, sqlite's and rustdb's p99.9 were over 10x the
    floor's: their writers are delayed by the long reader after all."""
    x = data.xs("stall-read", "pagever")[-1]
    f = data.value("stall-read", x, "floor", "write_p999_us")
    vals = {v: data.value("stall-read", x, v, "write_p999_us") for v in ("sqlite", "rustdb")}
    return all(v > 10 * f for v in vals.values()), \
        f"x={g(x)}: floor {g(f)} us, " + ", ".join(f"{v} {g(u)} us" for v, u in vals.items())


@claim("pagever-max-below-rwlock")
def pagever_max_below_rwlock(data):
    """At every read length of 100 ms or more, rwlock's worst commit is at
    least 10x pagever's."""
    xs = [x for x in data.xs("stall-read", "pagever") if x >= 100]
    need(xs or None, "stall-read: pagever at reads >= 100 ms")

    def test(x):
        p, r = (data.value("stall-read", x, v, "write_max_us") for v in ("pagever", "rwlock"))
        return r >= 10 * p, f"rwlock/pagever {g(r / p)}"
    return every(data, "stall-read", "pagever", test, xs)


@claim("fullcopy-copy-model")
def fullcopy_copy_model(data):
    """From 512 MiB up, fullcopy's worst commit (median of the repeats) is
    within a factor of two of the copy model D/beta (beta measured by
    --calibrate at the point)."""
    model = {x: size / gbps / 1000 for x, size, gbps in calibration.copy_model(data.meta("stall-size"))}
    xs = [x for x in data.xs("stall-size", "fullcopy") if x >= 512 and x in model]
    need(xs or None, "stall-size: fullcopy >= 512 MiB with a calibration")

    def test(x):
        m = data.value("stall-size", x, "fullcopy", "write_max_us")
        return 0.5 * model[x] <= m <= 2 * model[x], f"max {g(m / 1000)} ms, model {g(model[x] / 1000)} ms"
    return every(data, "stall-size", "fullcopy", test, xs)


@claim("forkcow-grows")
def forkcow_grows(data):
    """forkcow's worst commit grew with every step of database size."""
    xs = data.xs("stall-size", "forkcow")
    m = [data.value("stall-size", x, "forkcow", "write_max_us") for x in xs]
    ok = all(b > a for a, b in zip(m, m[1:]))
    return ok, " -> ".join(f"{g(v / 1000)} ms" for v in m)


@claim("copy-stalls-at-2gib")
def copy_stalls_at_2gib(data):
    """At the largest database, fullcopy's and forkcow's worst commits were
    each at least 8 times pagever's and the floor's."""
    x = data.xs("stall-size", "pagever")[-1]
    v = {n: data.value("stall-size", x, n, "write_max_us") for n in ("fullcopy", "forkcow", "pagever", "floor")}
    ok = min(v["fullcopy"], v["forkcow"]) >= 8 * max(v["pagever"], v["floor"])
    return ok, f"x={g(x)} MiB: " + ", ".join(f"{n} {g(u / 1000)} ms" for n, u in v.items())


@claim("pagever-size-flat")
def pagever_size_flat(data):
    """At the largest database, pagever's worst commit was within 1.5x the
    floor's."""
    x = data.xs("stall-size", "pagever")[-1]
    p, f = (data.value("stall-size", x, v, "write_max_us") for v in ("pagever", "floor"))
    return p <= 1.5 * f, f"x={g(x)} MiB: pagever {g(p / 1000)} ms, floor {g(f / 1000)} ms"


@claim("hot-precise-beats-grace")
def hot_precise_beats_grace(data):
    """With writes on the smallest hot set, rcucow and epochcow retain at
    least twice what pagever does."""
    x = data.xs("retained-hot", "pagever")[0]
    p = data.value("retained-hot", x, "pagever", "retained_peak_bytes")
    r, e = (data.value("retained-hot", x, v, "retained_peak_bytes") for v in ("rcucow", "epochcow"))
    return min(r, e) >= 2 * p, f"hot {g(x)} %: pagever {g(p / MIB)} MiB, rcucow {g(r / MIB)}, epochcow {g(e / MIB)}"


def forgotten_ends(data):
    series, meta = data.series("forgotten-reader")
    return series, forgotten.ended_runs(meta), forgotten.model(meta)


@claim("forgotten-pagever-plateau")
def forgotten_pagever_plateau(data):
    """The forgotten reader: pagever ran the whole window, and what it
    retained for the snapshot (retained_visible_bytes) ended within 10 % of
    one copy of the database, as the model min(lambda k T, N) says after
    lambda k T >> N; its broader retained_bytes within 1.5 copies."""
    series, ended, (_, _, pages, page, _) = forgotten_ends(data)
    points = need(series.get("pagever"), "forgotten-reader: pagever")
    if "pagever" in ended:
        return False, f"pagever {ended['pagever']}"
    t, last = points[-1]
    copy = pages * page
    visible, retained = forgotten.number(last, "retained_visible_bytes"), forgotten.number(last, "retained_bytes")
    ok = 0.9 * copy <= visible <= 1.1 * copy and retained <= 1.5 * copy
    return ok, f"at {g(t)} s: visible {g(visible / MIB)} MiB, retained {g(retained / MIB)} MiB, one copy {g(copy / MIB)} MiB"


@claim("forgotten-others-grow")
def forgotten_others_grow(data):
    """The forgotten reader: rcucow, epochcow and leftright (try) did not
    level off: each was stopped at the memory limit; lmdb's map filled."""
    series, ended, _ = forgotten_ends(data)
    details, ok = [], True
    for v in ("rcucow", "epochcow", "leftright"):
        points = need(series.get(v), f"forgotten-reader: {v}")
        last = forgotten.number(points[-1][1], "retained_bytes")
        grew = v in ended and "limit" in ended[v]
        ok &= grew
        details.append(f"{v} {ended.get(v, 'ran')} at {g(points[-1][0])} s, {g(last / MIB)} MiB")
    ok &= ended.get("lmdb") == "map full"
    details.append(f"lmdb {ended.get('lmdb', 'ran the window')}")
    return ok, "; ".join(details)


def closed_fraction(data, variant):
    series, meta = data.series("forgotten-closed")
    out = forgotten.closed_loop(series, forgotten.ended_runs(meta))
    return need(out.get(variant), f"forgotten-closed: {variant}")


@claim("forgotten-closed-pagever-keeps")
def forgotten_closed_pagever_keeps(data):
    """Closed loop with a forgotten reader: pagever made 10^6 commits and
    then still ran at 0.7 or more of its first second's rate."""
    text, _, fraction = closed_fraction(data, "pagever")
    return fraction is not None and fraction >= 0.7, text


@claim("forgotten-closed-engines-slow")
def forgotten_closed_engines_slow(data):
    """Closed loop with a forgotten reader: sqlite's and rustdb's rate fell
    to under half of their first second's (by 10^6 commits or the window's
    end)."""
    series, meta = data.series("forgotten-closed")
    ended = forgotten.ended_runs(meta)
    details, ok = [], True
    for v in ("sqlite", "rustdb"):
        points = need(series.get(v), f"forgotten-closed: {v}")
        second = forgotten.PER_SECOND
        first = forgotten.rate_over(points, 0, second)
        last = forgotten.rate_over(points, max(0, len(points) - second), second)
        need(first, f"forgotten-closed: {v} first second")
        ok &= last < 0.5 * first and v not in ended
        details.append(f"{v}: first second {g(first)}/s, last {g(last)}/s")
    return ok, "; ".join(details)


@claim("staggered-pagever-near-min")
def staggered_pagever_near_min(data):
    """Staggered readers: at every reader count, what pagever keeps visible
    to its snapshots is within 2.1x the exact minimum, and all it holds is
    less than what rcucow and epochcow hold."""
    def test(x):
        lo = data.value("staggered", x, "pagever", "retained_min_peak_bytes")
        vis = data.value("staggered", x, "pagever", "retained_visible_peak_bytes")
        p = data.value("staggered", x, "pagever", "retained_peak_bytes")
        others = [data.value("staggered", x, v, "retained_peak_bytes") for v in ("rcucow", "epochcow")]
        return lo > 0 and vis <= 2.1 * lo and p < min(others), \
            f"pagever visible {g(vis / lo)}x, all {g(p / lo)}x the minimum; rcucow {g(others[0] / lo)}x, epochcow {g(others[1] / lo)}x"
    return every(data, "staggered", "pagever", test)


@claim("pagever-scans-faster-than-rustdb")
def pagever_scans_faster_than_rustdb(data):
    """At every reader count, pagever's readers together scan faster (bytes
    over wall time) than rustdb's."""
    def test(x):
        p, r = (data.value("rustdb-pagever", x, v, "scan_gbps_wall") for v in ("pagever", "rustdb"))
        return p > r, f"pagever {g(p)} GB/s, rustdb {g(r)}"
    return every(data, "rustdb-pagever", "pagever", test)


@claim("leftright-try-stale")
def leftright_try_stale(data):
    """leftright in try mode served a stale snapshot at every read length
    up to 1000 ms, pagever never did (at any length).  Longer points are
    left out: their windows hold only reads that began before the first
    commit (the paper says so)."""
    def test(x):
        s = data.value("staleness", x, "leftright", "stale_max_commits")
        p = data.value("staleness", x, "pagever", "stale_max_commits")
        return (s > 0 or x > 1000) and p == 0, f"leftright {g(s)} commits, pagever {g(p)}"
    return every(data, "staleness", "pagever", test)


@claim("seqlock-starves")
def seqlock_starves(data):
    """seqlock's reader gave up reads in the readers sweep (one reader,
    100 ms snapshots, 5000 commits/s)."""
    s = data.value("readers", 1, "seqlock", "starved_reads")
    return s > 0, f"{g(s)} starved reads"


@claim("decision-pagever-most")
def decision_pagever_most(data):
    """In the decision map, pagever gave the lowest writer p99 within the
    memory budget in more cells than any other scheme."""
    rows = data.rows("decision-map")
    controls = runs.meta_value(data.meta("decision-map"), "controls", "none,floor").split(",")
    wins = {}
    for winner, _, _ in decision.decide(rows, controls).values():
        wins[winner or "(none)"] = wins.get(winner or "(none)", 0) + 1
    best = max(wins.items(), key=lambda kv: kv[1])
    rivals = [n for v, n in wins.items() if v != "pagever"]
    ok = wins.get("pagever", 0) > max(rivals, default=0)
    return ok, ", ".join(f"{v} {n}" for v, n in sorted(wins.items(), key=lambda kv: -kv[1])) + f" (most: {best[0]})"


def pagever_figure(data, index):
    """[(repeat, ratio or None)] of pagever_figures.FIGURES[index]."""
    path = os.path.join(data.dir, "pagever-figures", data.host + ".csv")
    need(os.path.isfile(path) or None, "pagever-figures/" + data.host + ".csv")
    return need(pagever_figures.ratios(runs.read_csv(path)[1], index) or None, "pagever-figures: no repeat")


@claim("pvf-hang-finishes")
def pvf_hang_finishes(data):
    """The closed-loop runs on 16 and 64 pages of 256 B that used to hang
    finished in every repeat, each with a commit rate."""
    values = pagever_figure(data, 0) + pagever_figure(data, 1)
    ok = all(v is not None and v > 0 for _, v in values)
    return ok, "commits/s: " + " ".join("-" if v is None else g(v) for _, v in values)


@claim("pvf-scans-met")
def pvf_scans_met(data):
    """pagever's scan figures met their goals: the median over the repeats
    of the 64-byte-page scan over none's is at least 0.8, and of the 4 KiB
    scan beside 10,000 commits/s over none's alone at least 0.9."""
    s64 = [v for _, v in pagever_figure(data, 4) if v is not None]
    s4k = [v for _, v in pagever_figure(data, 5) if v is not None]
    need(s64 and s4k or None, "pagever-figures: scans")
    m64, m4k = runs.median(s64), runs.median(s4k)
    return m64 >= 0.8 and m4k >= 0.9, f"64 B: median {g(m64)} of " + " ".join(g(v) for v in s64) + \
        f"; 4 KiB beside the writer: median {g(m4k)} of " + " ".join(g(v) for v in s4k)


@claim("pvf-eight-readers")
def pvf_eight_readers(data):
    """Beside eight flat-out readers at 5000 commits/s, pagever's writer
    achieved at least 4750 commits/s and mapped no memory itself, in every
    repeat."""
    rates = [v for _, v in pagever_figure(data, 10)]
    allocs = [v for _, v in pagever_figure(data, 11)]
    need(rates or None, "pagever-figures: readers-8")
    ok = all(v is not None and v >= 4750 for v in rates) and all(v == 0 for v in allocs)
    return ok, "commits/s: " + " ".join("-" if v is None else g(v) for v in rates) + \
        "; writer_allocs: " + " ".join("-" if v is None else g(v) for v in allocs)


@claim("pvf-tails-met")
def pvf_tails_met(data):
    """The medians over the repeats of pagever's p99.9 and p99 over the
    floor's, beside the 1 s-pause reader, are at most 1.2 and 1.1."""
    p999 = [v for _, v in pagever_figure(data, 2) if v is not None]
    p99 = [v for _, v in pagever_figure(data, 3) if v is not None]
    need(p999 and p99 or None, "pagever-figures: tails")
    m999, m99 = runs.median(p999), runs.median(p99)
    return m999 <= 1.2 and m99 <= 1.1, f"p99.9: median {g(m999)} of " + " ".join(g(v) for v in p999) + \
        f"; p99: median {g(m99)} of " + " ".join(g(v) for v in p99)


@claim("pvf-tails-steal")
def pvf_tails_steal(data):
    """The two repeats with the largest p99.9 ratios are the two in which
    pagever's side had the most steal, over 2 s in each."""
    # pagever_figure first: it says Missing when the file is absent.
    ratios = [(v, r) for r, v in pagever_figure(data, 2) if v is not None]
    rows = runs.read_csv(os.path.join(data.dir, "pagever-figures", data.host + ".csv"))[1]
    steal = {r: pagever_figures.value(rows, "floor", r, "pagever", "steal_ms") for _, r in ratios}
    need(len(ratios) >= 3 and all(runs.is_number(s) for s in steal.values()) or None,
         "pagever-figures: steal")
    top = {r for _, r in sorted(ratios, reverse=True)[:2]}
    most = {r for r, _ in sorted(steal.items(), key=lambda kv: -kv[1])[:2]}
    return top == most and all(steal[r] > 2000 for r in top), \
        "ratio (steal ms) per repeat: " + " ".join(f"{g(v)} ({g(steal[r])})" for v, r in ratios)


@claim("pvf-allocs")
def pvf_allocs(data):
    """pagever's writer mapped no memory itself (writer_allocs 0) beside
    the 1 s-pause reader, in every repeat."""
    values = [v for _, v in pagever_figure(data, 9)]
    need(values or None, "pagever-figures: allocs")
    return all(v == 0 for v in values), "writer_allocs: " + " ".join("-" if v is None else g(v) for v in values)


# Measured again at a later commit, after the change to pagever's upkeep
# (ending readers do it): the experiments where pagever's readers scan flat
# out, and pagever's own figures (claim remeasured-commit).
REMEASURED = ("pagever-figures", "rustdb-pagever", "scan-write")


def swept(data):
    """The result folders measured at the sweeps' commit: all but quick/
    and REMEASURED."""
    return [n for n in sorted(os.listdir(data.dir)) if n != "quick" and n not in REMEASURED]


def commits_of(data, names):
    """The commits the metas of `names` name, and those of them that were
    measured from a dirty tree."""
    commits, dirty = set(), []
    for name in names:
        path = os.path.join(data.dir, name, data.host + ".meta")
        if not os.path.isfile(path):
            continue
        meta = runs.read_meta(path)
        commits.add(runs.meta_value(meta, "git_commit", "?"))
        if runs.meta_value(meta, "dirty", "no") != "no":
            dirty.append(name)
    return commits, dirty


@claim("single-commit")
def single_commit(data):
    """Every meta under results/ (but quick/ and REMEASURED) names the same
    commit and a clean tree."""
    commits, dirty = commits_of(data, swept(data))
    need(commits or None, "no meta")
    return len(commits) == 1 and not dirty, \
        f"{len(commits)} commit(s): {' '.join(sorted(c[:12] for c in commits))}; dirty: {' '.join(dirty) or 'none'}"


@claim("remeasured-commit")
def remeasured_commit(data):
    """The REMEASURED experiments name one clean commit, other than the
    rest's."""
    mine, dirty = commits_of(data, REMEASURED)
    need(mine or None, "no meta of " + ", ".join(REMEASURED))
    rest, _ = commits_of(data, swept(data))
    return len(mine) == 1 and not dirty and not (mine & rest), \
        f"{' '.join(sorted(c[:12] for c in mine))} ({'dirty: ' + ' '.join(dirty) if dirty else 'clean'}); the rest at {' '.join(sorted(c[:12] for c in rest))}"


@claim("forgotten-rustdb-plateau")
def forgotten_rustdb_plateau(data):
    """The forgotten reader: rustdb, which keeps the same versions as
    pagever, ran the whole window and ended within 1.5 copies."""
    series, ended, (_, _, pages, page, _) = forgotten_ends(data)
    points = need(series.get("rustdb"), "forgotten-reader: rustdb")
    last = forgotten.number(points[-1][1], "retained_bytes")
    return "rustdb" not in ended and last <= 1.5 * pages * page, \
        f"{ended.get('rustdb', 'ran')} at {g(points[-1][0])} s, {g(last / MIB)} MiB"


@claim("forgotten-sqlite-grows")
def forgotten_sqlite_grows(data):
    """The forgotten reader: sqlite's WAL was still growing: it ended the
    window at more than 1.2 times what it held halfway."""
    series, _, _ = forgotten_ends(data)
    points = need(series.get("sqlite"), "forgotten-reader: sqlite")
    half = forgotten.number(points[len(points) // 2][1], "retained_bytes")
    last = forgotten.number(points[-1][1], "retained_bytes")
    return last > 1.2 * half, f"halfway {g(half / MIB)} MiB, at the end {g(last / MIB)} MiB"


@claim("forgotten-rate-kept")
def forgotten_rate_kept(data):
    """The forgotten reader at its target rate: pagever's writer averaged at
    least 95 % of the target over its series, rustdb's and sqlite's under
    95 %."""
    series, _, (rate, _, _, _, _) = forgotten_ends(data)
    achieved = {}
    for v in ("pagever", "rustdb", "sqlite"):
        points = need(series.get(v), f"forgotten-reader: {v}")
        achieved[v] = sum(forgotten.number(row, "commits") for _, row in points) / points[-1][0]
    ok = achieved["pagever"] >= 0.95 * rate and all(achieved[v] < 0.95 * rate for v in ("rustdb", "sqlite"))
    return ok, f"target {g(rate)}/s: " + ", ".join(f"{v} {g(a)}/s" for v, a in achieved.items())


@claim("forgotten-closed-limit")
def forgotten_closed_limit(data):
    """Closed loop with a forgotten reader: rcucow, epochcow and leftright
    were stopped at the memory limit within 20 s."""
    series, meta = data.series("forgotten-closed")
    ended = forgotten.ended_runs(meta)
    details, ok = [], True
    for v in ("rcucow", "epochcow", "leftright"):
        points = need(series.get(v), f"forgotten-closed: {v}")
        t = points[-1][0]
        ok &= v in ended and "limit" in ended[v] and t <= 20
        details.append(f"{v} {ended.get(v, 'ran')} at {g(t)} s")
    return ok, "; ".join(details)


@claim("rp-home-every-count")
def rp_home_every_count(data):
    """rustdb-pagever: at every reader count pagever's aggregate scan rate
    was at least twice its --pv-home off ablation's."""
    def test(x):
        r = data.value("rustdb-pagever", x, "pagever", "scan_gbps_wall") / \
            data.value("rustdb-pagever", x, "pagever-home-off", "scan_gbps_wall")
        return r >= 2, f"{g(r)}"
    return every(data, "rustdb-pagever", "pagever", test)


@claim("rp-homeoff-one-stall")
def rp_homeoff_one_stall(data):
    """rustdb-pagever: exactly one run stalled its writer for over 3 s with
    no commit in the window: pagever-home-off at 8 readers."""
    path = os.path.join(data.dir, "rustdb-pagever", data.host + ".runs.csv")
    need(os.path.isfile(path) or None, "rustdb-pagever runs")
    stalled = [r for r in runs.read_csv(path)[1]
               if runs.is_number(runs.cell(r["write_max_us"])) and runs.cell(r["write_max_us"]) > 3e6]
    what = [f"{r['variant']} x={r['x']} repeat {r['repeat']}: {r['commits']} commits, max {g(runs.cell(r['write_max_us']) / 1e3)} ms"
            for r in stalled]
    ok = len(stalled) == 1 and stalled[0]["variant"] == "pagever-home-off" and stalled[0]["x"] == "8" \
        and runs.cell(stalled[0]["commits"]) == 0
    return ok, "; ".join(what) or "none"


@claim("rp-pagever-keeps-8")
def rp_pagever_keeps_8(data):
    """rustdb-pagever at 8 readers: pagever's writer achieved at least 95 %
    of its target and mapped no memory itself (writer_allocs 0), and so did
    rustdb's (its rate)."""
    target = data.value("rustdb-pagever", 8, "pagever", "write_rate")
    p = data.value("rustdb-pagever", 8, "pagever", "commits_per_s")
    allocs = data.value("rustdb-pagever", 8, "pagever", "writer_allocs")
    r = data.value("rustdb-pagever", 8, "rustdb", "commits_per_s")
    return p >= 0.95 * target and allocs == 0 and r >= 0.95 * target, \
        f"target {g(target)}/s: pagever {g(p)}/s ({g(allocs)} writer_allocs), rustdb {g(r)}/s"


@claim("retained-pagever-twice-rustdb")
def retained_pagever_twice_rustdb(data):
    """retained-read: at every read of 1000 ms or more, pagever's peak
    retained bytes were between 1.5 and 2.5 times rustdb's."""
    xs = [x for x in data.xs("retained-read", "pagever") if x >= 1000]
    need(xs or None, "retained-read: reads >= 1000 ms")

    def test(x):
        p, r = (data.value("retained-read", x, v, "retained_peak_bytes") for v in ("pagever", "rustdb"))
        return 1.5 * r <= p <= 2.5 * r, f"pagever/rustdb {g(p / r)}"
    return every(data, "retained-read", "pagever", test, xs)


@claim("decision-pagever-over-budget")
def decision_pagever_over_budget(data):
    """In every decision-map cell pagever did not win, it was out for
    retaining more than one copy of the database, or its p99 was within
    2 ms of the winner's (a tie at this machine's noise)."""
    rows = data.rows("decision-map")
    controls = runs.meta_value(data.meta("decision-map"), "controls", "none,floor").split(",")
    cells = decision.decide(rows, controls)
    details, ok = [], True
    for row in rows:
        if row["variant"] != "pagever":
            continue
        key = tuple(decision.number(row, c) for c in ("hot_pct", "read_pause_ms", "write_rate"))
        winner, p99, _ = cells[key]
        if winner == "pagever":
            continue
        qualified, why = decision.qualifies(row)
        mine = decision.number(row, "write_p99_us")
        tie = qualified and winner and mine is not None and mine - p99 <= 2000
        ok &= why == "over one copy" or bool(tie)
        details.append(f"{key}: {winner} won; pagever {why or 'qualified, p99 %s us' % g(mine)}")
    return ok, "; ".join(details) or "pagever won every cell"


@claim("staggered-rustdb-exact")
def staggered_rustdb_exact(data):
    """Staggered readers: rustdb's retained_visible_peak_bytes were within
    1 % of the exact minimum at every reader count."""
    def test(x):
        lo = data.value("staggered", x, "rustdb", "retained_min_peak_bytes")
        vis = data.value("staggered", x, "rustdb", "retained_visible_peak_bytes")
        return lo > 0 and abs(vis / lo - 1) <= 0.01, f"rustdb visible {vis / lo:.4f}x"
    return every(data, "staggered", "rustdb", test)
