#!/usr/bin/env bash
# tests/test_plots.sh — figures drawn from fixture results
# (tests/fixtures/results and tests/fixtures/experiments, host fx) whose
# marks are known:
#   scan-write: hollow circles exactly where a writer did not keep its rate
#     (rwlock at 10,000 and 100,000 commits/s: under 95 % of the target;
#     leftright at 10,000: commits left unfinished) -- 3, not pagever's
#     99 % at 100,000; a cross where seqlock completed no read (empty cell);
#   latency-cdf: the HdrHistogram files of stall-read's first repeat at the
#     x nearest --cdf-x, every variant with a file there, floor included;
#   decision-map: per cell the lowest p99 among the schemes that kept their
#     rate, served their reader and stayed within one copy (pagever where
#     rcucow was faster but held two copies and rwlock missed its rate;
#     rcucow; none, where seqlock read nothing and pagever left commits
#     unfinished; lmdb where pagever had no p99), controls never;
#   forgotten-reader: the model lines, where lmdb's map filled and rcucow
#     hit --retained-limit (a cross each), pagever's rate after 10^6
#     commits as a fraction of its first second's (0.50);
#   staggered: retained over the exact minimum, floor not drawn;
#   rustdb-pagever: the --pv-home off series in pagever's lighter colour,
#     hollow where rustdb missed its rate;
#   stall-size: the copy model from the calibration in the meta, and none
#     without it;
#   readers: the scan rate over wall time (1.5 GB/s, not the 68 summed),
#     and a p99.9 panel that says why it is empty.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
cp -r "$root/tests/fixtures/results" "$tmp/r"
"$root/scripts/plot" scan-write latency-cdf --dir "$tmp/r" --host fx 2>"$tmp/err" || fail "plot: $(cat "$tmp/err")"
grep -i "warning" "$tmp/err" && fail "gnuplot warned (above)"

rgb() { printf "rgb(%3d, %3d, %3d)" "0x${1:1:2}" "0x${1:3:2}" "0x${1:5:2}"; }
color_of() { sed -n 's/^colors = "\(.*\)"/\1/p; s/^variants = "\(.*\)"/\1/p' "$root/scripts/plots/style.gp" |
             awk -v v="$1" 'NR == 1 { n = split($0, names, " ") } NR == 2 { split($0, c, " "); for (i = 1; i <= n; i++) if (names[i] == v) print c[i] }'; }
svg=$tmp/r/figures/scan-write.svg
# gnuplot's SVG draws point type N as <use xlink:href='#gpPt(N-1)' ... scale(S)>;
# the hollow marks are pt 6 at 1.6 times the size of a plain point.
plain=$(grep -o "#gpPt[0-9]*' transform='translate([0-9.,]*) scale([0-9.]*)" "$svg" | sed 's/.*scale(//; s/)//' | sort -n | head -1)
hollow=$(grep -o "#gpPt5' transform='translate([0-9.,]*) scale([0-9.]*)'" "$svg" |
         awk -v plain="$plain" '{ s = $0; sub(/.*scale\(/, "", s); sub(/\).*/, "", s); if (s > 1.3 * plain) n++ } END { print n + 0 }')
# 3 in the plot, 1 in the key
[ "$hollow" = 4 ] || fail "expected 3 hollow points and a key sample, found $hollow"
for v in rwlock leftright; do
  grep -q "#gpPt5' transform='[^']*' color='$(rgb "$(color_of $v)")'" "$svg" || fail "no hollow point in $v's colour"
done
grep "#gpPt5' transform" "$svg" | grep -q "color='$(rgb "$(color_of pagever)")'" && fail "pagever (99 % of its rate) drawn hollow"
grep -q "#gpPt1' transform='[^']*' color='$(rgb "$(color_of seqlock)")'" "$svg" || fail "no cross where seqlock completed no read"

cdf=$tmp/r/figures/latency-cdf.svg
for v in floor pagever rwlock; do
  grep -q ">$v<" "$cdf" || fail "latency-cdf lacks $v"
done
grep -q "read_pause_ms = 1000, repeat 1" "$cdf" || fail "latency-cdf does not name its point"
grep -q ">99.9%<" "$cdf" || fail "latency-cdf has no 1/(1-p) percentile axis"
# --cdf-x picks the folder nearest it: at x = 10 only pagever has a file
"$root/scripts/plot" latency-cdf --dir "$tmp/r" --host fx --cdf-x 12 2>/dev/null
grep -q ">pagever<" "$cdf" || fail "--cdf-x 12: no pagever"
grep -q ">rwlock<" "$cdf" && fail "--cdf-x 12 drew x = 1000's rwlock"
grep -q "read_pause_ms = 10, repeat 1" "$cdf" || fail "--cdf-x 12 did not draw x = 10"
# ---- the experiments of issue 18's second round (their own fixtures:
# tests/fixtures/results is also the paper's, whose counts they would change) ----
fx=$root/tests/fixtures/experiments
cp -r "$fx"/. "$tmp/r/"
"$root/scripts/plot" decision-map forgotten-reader staggered rustdb-pagever stall-size readers \
  --dir "$tmp/r" --host fx 2>"$tmp/err" || fail "plot: $(cat "$tmp/err")"
grep -i "warning" "$tmp/err" && fail "gnuplot warned (above)"
fill_of() { printf "fill = '%s'" "$(rgb "$(color_of "$1")")"; }

# decision-map: the winners, in numbers and in colour
(cd "$root/scripts/lib" && python3 decision.py --print "$fx/decision-map/fx.csv" "$fx/decision-map/fx.meta") >"$tmp/decision"
cat >"$tmp/decision.want" <<'WANT'
hot 1%, reads of 10 ms, 1000 commits/s: pagever 10 µs (next: sqlite 20 µs)
hot 1%, reads of 1000 ms, 1000 commits/s: rcucow 30 µs (next: pagever 50 µs)
hot 100%, reads of 10 ms, 1000 commits/s: none within budget
hot 100%, reads of 1000 ms, 1000 commits/s: lmdb 7 µs
WANT
diff "$tmp/decision.want" "$tmp/decision" >&2 || fail "decision-map: the winners (above)"
svg=$tmp/r/figures/decision-map.svg
for v in pagever rcucow lmdb; do
  grep -q "$(fill_of $v)" "$svg" || fail "decision-map: no cell in $v's colour"
done
for v in rwlock sqlite floor; do
  grep -q "$(fill_of $v)" "$svg" && fail "decision-map: a cell in $v's colour"
done
grep -q ">none within<" "$svg" || fail "decision-map: no 'none within budget' cell"
grep -q ">(next: sqlite 20 µs)<" "$svg" || fail "decision-map: no runner-up"

# forgotten-reader: the model, where lines ended and why, the closed loop's fraction
(cd "$root/scripts/lib" && python3 forgotten.py summary "$fx" fx) >"$tmp/forgotten"
for want in "pagever: 64.0 MiB at 3 s" "rcucow: stopped at the memory limit at 2.0 s (4097 MiB)" \
            "lmdb: map full at 1.5 s (2000 MiB)" "pagever: 0.50 of its first second's rate after 10^6 commits" \
            "lmdb: 5000 commits in 1.0 s, map full at 1.0 s; last second 1.00 of the first" \
            "sqlite: 30000 commits in 3.0 s; last second 1.00 of the first"; do
  grep -qF "  $want" "$tmp/forgotten" || fail "forgotten.py: no '$want' in: $(cat "$tmp/forgotten")"
done
svg=$tmp/r/figures/forgotten-reader.svg
for want in "model: min(λkT, N) pages" "uniform writes: N(1 - e^{-λkT/N}) pages" \
            "pagever: 0.50 of its first second's rate after 10^6 commits" "lmdb: map full at 1.5 s (2000 MiB)"; do
  grep -qF ">$want<" "$svg" || fail "forgotten-reader: no '$want' in the key"
done
crosses() { grep -c "#gpPt1' transform='[^']*' color='$(rgb "$(color_of "$1")")'" "$svg" || true; }
[ "$(crosses lmdb)" = 2 ] || fail "forgotten-reader: lmdb's series should end with a cross in each panel, found $(crosses lmdb)"
[ "$(crosses rcucow)" = 1 ] || fail "forgotten-reader: rcucow's should end with one, found $(crosses rcucow)"
[ "$(crosses pagever)" = 0 ] || fail "forgotten-reader: pagever's series ran to the end"

# staggered: each scheme over the minimum; floor keeps no versions
svg=$tmp/r/figures/staggered.svg
for v in pagever rcucow "the minimum"; do grep -q ">$v<" "$svg" || fail "staggered: no $v"; done
grep -q ">floor<" "$svg" && fail "staggered: floor drawn"

# rustdb-pagever: the ablation as a series of its own, a hollow point where rustdb missed its rate
svg=$tmp/r/figures/rustdb-pagever.svg
grep -q ">pagever-home-off<" "$svg" || fail "rustdb-pagever: no pagever-home-off series"
grep -q "color='$(rgb "$(color_of pagever-home-off)")'" "$svg" || fail "rustdb-pagever: pagever-home-off has no colour of its own"
hollow=$(grep -o "#gpPt5' transform='[^']*' color='$(rgb "$(color_of rustdb)")'" "$svg" | grep -c . || true)
[ "$hollow" = 1 ] || fail "rustdb-pagever: expected one hollow rustdb point, found $hollow"

# stall-size: the copy model from the meta's calibration, none without it
(cd "$root/scripts/lib" && python3 calibration.py "$fx/stall-size/fx.meta") >"$tmp/model"
printf 'x,copy_gbps,model_us\n16,9,1864.14\n64,8,8388.61\n' | diff - "$tmp/model" >&2 || fail "calibration.py (above)"
grep -q ">copy model D/β (fullcopy)<" "$tmp/r/figures/stall-size.svg" || fail "stall-size: no copy model"
grep -v "^calibrate:" "$fx/stall-size/fx.meta" >"$tmp/r/stall-size/fx.meta"
"$root/scripts/plot" stall-size --dir "$tmp/r" --host fx 2>"$tmp/err" || fail "plot without calibration: $(cat "$tmp/err")"
grep -i "warning" "$tmp/err" && fail "gnuplot warned without calibration (above)"
grep -q "copy model" "$tmp/r/figures/stall-size.svg" && fail "stall-size: a copy model without a calibration"

# readers: bytes over wall time (at most 1.6 GB/s here), and the empty p99.9 said
svg=$tmp/r/figures/readers.svg
grep -q ">1.6<" "$svg" || fail "readers: the scan axis does not reach 1.6 GB/s"
grep -q ">70<" "$svg" && fail "readers: the summed per-reader rates (68 GB/s) are drawn"
grep -q "p99.9 empty: under 10,000 commits per point" "$svg" || fail "readers: the empty p99.9 panel does not say why"
echo "test_plots: ok"
