# Experiment 4: a reader's scan rate as a fraction of `none` reading alone
# (the physical limit), against the writer's commit rate; log x.  A point
# where the writer did not keep its rate (achieved under 95 % of the target,
# or commits left unfinished) is drawn hollow: the reader's rate there was
# bought by a writer that fell behind.  A point where the reader completed
# no read has no rate; it is marked with a cross on the axis.
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
plot for [v in vlist] f using (is(v) && column("x") > 0 ? column("x") : NaN):(column("scan_gbps") / base) \
        with lines lc rgb vcolor(v) lw vlw(v) dt vdt(v) notitle, \
     for [v in vlist] f using (is(v) && column("x") > 0 && kept_rate(0) ? column("x") : NaN):(column("scan_gbps") / base):(column("scan_gbps_lo") / base):(column("scan_gbps_hi") / base) \
        with yerrorbars lc rgb vcolor(v) pt vpt(v) lw vlw(v) title v, \
     for [v in vlist] f using (is(v) && column("x") > 0 && !kept_rate(0) ? column("x") : NaN):(column("scan_gbps") / base) \
        with points lc rgb vcolor(v) pt 6 ps 1.6 lw 1.5 notitle, \
     for [v in vlist] f using (is(v) && column("x") > 0 && no_read(0) ? column("x") : NaN):(0.02) \
        with points lc rgb vcolor(v) pt 2 ps 2 notitle, \
     NaN with points lc rgb "#444444" pt 6 ps 1.6 title "hollow: writer missed its rate", \
     NaN with points lc rgb "#444444" pt 2 ps 2 title "no read completed", \
     1 with lines dt 2 lc rgb "#888888" title "none, no writer"
