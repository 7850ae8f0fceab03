# Experiment 4: a reader's scan rate as a fraction of `none` reading alone
# (the physical limit), against the writer's commit rate; log x.
load "scripts/plots/style.gp"
f = csv("scan-write")
stats f using (is("none") && column("x") == 0 ? column("scan_gbps") : NaN) name "NONE" nooutput
base = NONE_max
set title sprintf("Reader scan rate against write rate (fraction of none alone, %.1f GB/s)", base)
set logscale x
set xlabel "writer: commits/s (4 pages each)"
set ylabel "scan rate / none's rate with no writer"
set yrange [0:1.4]
set xrange [50:200000]
plot for [v in vlist] f using (is(v) && column("x") > 0 ? column("x") : NaN):(column("scan_gbps") / base):(column("scan_gbps_lo") / base):(column("scan_gbps_hi") / base) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) title v, \
     1 with lines dt 2 lc rgb "#888888" title "none, no writer"
