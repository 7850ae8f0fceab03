#!/usr/bin/env bash
# tests/test_paper_macros.sh — the data processing behind the results and
# the paper, on small fixtures whose answers were worked out by hand:
#   scripts/lib/summary.py  (the sweep's median and spread) on
#     tests/fixtures/summary/runs.csv must give tests/fixtures/summary/expected.csv;
#   scripts/paper-macros on tests/fixtures/results/ (host fx: stall-read,
#     scan-write and timeline; 6 + 11 rows of 3 repeats) must give the
#     macros below, leave out every value that was an empty cell, and
#     refuse missing results or a bad argument;
#   the claims (scripts/lib/claims.py): rwlock-follows-read holds on the
#     fixture (its worst commit, 1,002 ms, beside a 1,000 ms read), and
#     when the fixture is changed to contradict it (a worst commit of 1 ms)
#     paper-macros exits 1 naming it and the macro says 0; a claim whose
#     data are absent is ? and fails without --allow-missing.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
fixtures=$root/tests/fixtures

# ---- medians: odd and even counts, an empty cell missing (not 0), a
# column that is text (host) or the run's seed left out, violations the maximum ----
python3 "$root/scripts/lib/summary.py" "$fixtures/summary/runs.csv" e pagever,rwlock >"$tmp/summary.csv"
diff "$fixtures/summary/expected.csv" "$tmp/summary.csv" >&2 || fail "the summary differs from the expected (above)"

# ---- the macros ----
RESULTS_DIR=$fixtures/results SNAPBENCH_HOST=fx "$root/scripts/paper-macros" --allow-missing \
  --out "$tmp/results.tex" 2>"$tmp/err" || fail "paper-macros failed: $(cat "$tmp/err")"
tex=$tmp/results.tex
while IFS= read -r line; do
  grep -qxF -- "$line" "$tex" || fail "missing or different: $line"
done <<'WANT'
\sb@set{n/stall-read/1000/rwlock/write_max_us}{1,002,000}
\sb@set{u/stall-read/1000/rwlock/write_max_us}{1\,s}
\sb@set{u/stall-read/1000/pagever/write_p999_us}{1.2\,ms}
\sb@set{n/stall-read/10/pagever/scan_gbps}{8.25}
\sb@set{u/stall-read/1000/pagever/retained_peak_bytes}{14\,MiB}
\sb@set{xf/stall-read/floor/max}{1,000}
\sb@set{xs/stall-read}{10, 1,000}
\sb@set{nv/stall-read}{3}
\sb@set{vl/stall-read}{\textsf{rwlock}, \textsf{pagever}, \textsf{floor}}
\def\keyreadms{1000}
\sb@set{d/keyread-human}{1\,s}
\sb@set{d/stall-rwlock-max-over-pagever-p999}{840}
\sb@set{d/stall-rwlock-max-over-read}{1}
\sb@set{d/stall-pagever-p999-growth}{1.3}
\sb@set{d/stall-read-range}{100}
\sb@set{d/stall-rwlock-max-growth}{84}
\sb@set{d/fixed-stall-read}{-r 1 --reads 1 --write-rate 1000}
\sb@set{d/runs}{51}
\sb@set{n/scan-write/10000/pagever/scan_pct}{80}
\sb@set{u/scan-write/100000/pagever/scan_pct}{30\,\%}
\sb@set{d/violations}{0}
\sb@set{d/variants-stall-read}{3}
\sb@set{m/*/git_commit_short}{0123456789ab}
\sb@set{m/stall-read/cpu}{Fixture CPU\_1 \& more}
\sb@set{t/rwlock/idle_pct}{50\,\%}
\sb@set{t/rwlock/p99_max}{2\,s}
\sb@set{t/pagever/retained_peak}{2\,MiB}
\sb@set{t/pagever/commits}{400}
\textsf{pagever} & 6.4\,\textmu s & 1.2\,ms & 2.5\,ms & 14\,MiB & 8.2\,GB/s & 0 \\
\textsf{floor} & 4\,\textmu s & 700\,\textmu s & 1\,ms & 64\,MiB & -- & 0 \\
WANT
# An empty cell has no macro at all (the paper prints ?? for it), not a 0.
grep -q 'n/stall-read/10/floor/write_p999_us}' "$tex" && fail "an empty p99.9 got a macro"
grep -q 'u/stall-read/1000/floor/scan_gbps}' "$tex" && fail "an empty scan rate got a macro"
grep -q 'n/stall-read/1000/floor/write_p999_us}{700}' "$tex" || fail "floor's reported p99.9 is missing"
grep -q 'scan-write/1000/seqlock/scan_pct}' "$tex" && fail "a share of an empty scan rate got a macro"

# ---- the claims ----
grep -qxF '\sb@set{c/rwlock-follows-read}{1}' "$tex" || fail "rwlock-follows-read does not hold on the fixture"
grep -qxF '\sb@set{c/staggered-pagever-near-min}{?}' "$tex" || fail "a claim without data is not ?"
grep -q '^holds  *rwlock-follows-read: x=1000: max 1e+03 ms' "$tmp/claims.txt" || fail "claims.txt: $(cat "$tmp/claims.txt")"
cp -r "$fixtures/results" "$tmp/contra"
sed -i 's/^\(stall-read,1000,rwlock,3,499000,400000,500000,995000,990000,999000\),1002000,/\1,1000,/' \
  "$tmp/contra/stall-read/fx.csv"
grep -q '^stall-read,1000,rwlock,.*,999000,1000,' "$tmp/contra/stall-read/fx.csv" || fail "the fixture edit did not apply"
s=0
RESULTS_DIR=$tmp/contra SNAPBENCH_HOST=fx "$root/scripts/paper-macros" --allow-missing \
  --out "$tmp/contra.tex" 2>"$tmp/err" || s=$?
[ "$s" = 1 ] || fail "a contradicted claim exited $s"
grep -q "claim rwlock-follows-read is contradicted: x=1000: max 1 ms" "$tmp/err" || fail "not named: $(cat "$tmp/err")"
grep -q "results contradict: rwlock-follows-read" "$tmp/err" || fail "no summary line: $(cat "$tmp/err")"
grep -qxF '\sb@set{c/rwlock-follows-read}{0}' "$tmp/contra.tex" || fail "the contradicted claim's macro is not 0"

# ---- missing results and bad usage ----
s=0
RESULTS_DIR=$fixtures/results SNAPBENCH_HOST=fx "$root/scripts/paper-macros" --out "$tmp/x.tex" 2>"$tmp/err" || s=$?
[ "$s" = 1 ] || fail "missing results exited $s"
grep -q "missing .*stall-size/fx.csv" "$tmp/err" || fail "missing results not named: $(cat "$tmp/err")"
[ ! -e "$tmp/x.tex" ] || fail "missing results still wrote the file"
s=0
"$root/scripts/paper-macros" --bogus 2>"$tmp/err" || s=$?
[ "$s" = 2 ] || fail "a bad argument exited $s"
echo "test_paper_macros: ok"
