# Experiment 9, staggered readers: what each scheme retains for R readers
# whose snapshots are R distinct times, divided by the exact minimum
# (retained_min_peak_bytes: the distinct old versions some open snapshot
# can see, from the oracle's log); log y, 1 = exactly the minimum.  Left:
# the retained bytes a live snapshot could still reach (as each scheme
# reports them); right: everything it retained.  The floor control reads
# a private copy and keeps no versions; it is not drawn.
wide = 1
load "scripts/plots/style.gp"
f = csv("staggered")
ratio(c) = column("retained_min_peak_bytes") > 0 ? column(c) / column("retained_min_peak_bytes") : NaN
lo(c) = column("retained_min_peak_bytes_hi") > 0 ? column(c . "_lo") / column("retained_min_peak_bytes_hi") : NaN
hi(c) = column("retained_min_peak_bytes_lo") > 0 ? column(c . "_hi") / column("retained_min_peak_bytes_lo") : NaN
set multiplot layout 1, 2 title "Staggered readers: retained memory over the exact minimum (2 s snapshots, 1000 commits/s into a 1 % hot set)"
set logscale x 2
set logscale y
set format y "%g"
set xrange [0.8:20]
set xtics (1, 2, 4, 8, 16)
set xlabel "readers (distinct snapshot times open at once)"
set ylabel "retained / exact minimum"
set key
set title "reachable by a live snapshot (retained_visible_peak_bytes)" noenhanced
plot for [v in vlist] f using (is(v) && v ne "floor" ? column("x") : NaN):(ratio("retained_visible_peak_bytes")):(lo("retained_visible_peak_bytes")):(hi("retained_visible_peak_bytes")) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title (v eq "floor" ? "" : v), \
     1 with lines dt 2 lc rgb "#888888" title "the minimum"
set title "everything retained (retained_peak_bytes)" noenhanced
plot for [v in vlist] f using (is(v) && v ne "floor" ? column("x") : NaN):(ratio("retained_peak_bytes")):(lo("retained_peak_bytes")):(hi("retained_peak_bytes")) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title (v eq "floor" ? "" : v), \
     1 with lines dt 2 lc rgb "#888888" title "the minimum"
unset multiplot
