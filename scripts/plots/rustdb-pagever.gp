# Experiment 10, rustdb against pagever with 1 to 8 readers on 2 cores:
# the writer's p99.9 at 5000 commits/s (log; the floor control's spread
# as a grey band) and the readers' aggregate scan rate, every reader's
# bytes over wall time (scan_gbps_wall).  pagever-home-off is pagever
# with --pv-home off, the ablation of moving rewritten pages home.  A
# point where the writer did not keep its rate is hollow; one where the
# readers completed no read is a cross on the axis.
wide = 1
load "scripts/plots/style.gp"
f = csv("rustdb-pagever")
set multiplot layout 1, 2 title "rustdb against pagever (whole-database sums back to back, 5000 commits/s, 2 cores)"
set xlabel "reader threads"
set logscale x 2
set xrange [0.8:10]
set xtics (1, 2, 4, 8)
set title "writer p99.9"
set logscale y
set format y "10^{%L}"
set ylabel "commit latency (µs)"
set key
if (filled("write_p999_us")) {
plot f using (is("floor") ? column("x") : NaN):"write_p999_us_lo":"write_p999_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_p999_us":"write_p999_us_lo":"write_p999_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v, \
     for [v in vlist] f using (is(v) && !kept_rate(0) ? column("x") : NaN):"write_p999_us" \
        with points lc rgb vcolor(v) pt 6 ps 1.6 lw 1.5 notitle, \
     NaN with points lc rgb "#444444" pt 6 ps 1.6 title "hollow: writer missed its rate"
} else {
eval empty_panel(p999_missing)
}
set ytics autofreq
set title "readers' aggregate scan rate (bytes over wall time)"
unset logscale y
set format y "%g"
set ylabel "GB/s"
set yrange [0:*]
set key
plot for [v in vlist] f using (is(v) ? column("x") : NaN):"scan_gbps_wall":"scan_gbps_wall_lo":"scan_gbps_wall_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v, \
     for [v in vlist] f using (is(v) && no_read(0) ? column("x") : NaN):(0) \
        with points lc rgb vcolor(v) pt 2 ps 2 notitle, \
     NaN with points lc rgb "#444444" pt 2 ps 2 title "no read completed"
unset multiplot
