# Experiment 5: the most commits a reader's snapshot missed (staleness)
# with leftright --lr-publish try, against the read's duration; log-log,
# beside the write rate x read duration that a reader blocked from the
# new copy for a whole read would miss.
load "scripts/plots/style.gp"
f = csv("staleness")
# PV_max is 0 only when pagever reported 0 at every point (an empty cell,
# no read completed, counts as not 0; other variants' rows as 0).
stats f using (is("pagever") ? (strcol("stale_max_commits") eq "" ? 1e9 : column("stale_max_commits")) : 0) name "PV" nooutput
set title "Staleness with left-right that never waits (2 readers, 500 commits/s)"
set logscale xy
set format y "10^{%L}"
set xlabel "read duration: snapshot held (ms)"
set ylabel "stalest snapshot (commits behind)"
set xrange [0.5:10000]
plot for [v in vlist] f using (is(v) ? column("x") : NaN):(column("stale_max_commits") > 0 ? column("stale_max_commits") : NaN):(column("stale_max_commits_lo")):(column("stale_max_commits_hi")) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) \
        title (v eq "pagever" && PV_max == 0 ? "pagever: 0 at every point (strict)" : v), \
     0.5 * x with lines dt 2 lc rgb "#888888" title "500/s x read duration"
