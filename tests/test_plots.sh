#!/usr/bin/env bash
# tests/test_plots.sh — figures drawn from fixture results
# (tests/fixtures/results, host fx) whose marks are known:
#   scan-write: hollow circles exactly where a writer did not keep its rate
#     (rwlock at 10,000 and 100,000 commits/s: under 95 % of the target;
#     leftright at 10,000: commits left unfinished) -- 3, not pagever's
#     99 % at 100,000; a cross where seqlock completed no read (empty cell);
#   latency-cdf: the HdrHistogram files of stall-read's first repeat at the
#     x nearest --cdf-x, every variant with a file there, floor included.
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
echo "test_plots: ok"
