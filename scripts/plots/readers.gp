# Experiment 7: 1 to 8 reader threads beside one writer, on a 2-core
# machine: the writer's p99.9 (log; the floor control's spread as a grey
# band) and the readers' aggregate scan rate: the bytes every reader read
# over wall time (scan_gbps_wall), which two cores bound -- not a sum of
# per-reader rates over scans that do not overlap.  A point where the
# readers completed no read (empty read cells) has no rate: it is marked
# with a cross on the axis instead.
wide = 1
load "scripts/plots/style.gp"
f = csv("readers")
set multiplot layout 1, 2 title "Reader threads (each holding 100 ms; 5000 commits/s; 2 cores)"
set xlabel "reader threads"
set xrange [0.8:9]
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
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v
} else {
eval empty_panel(p999_missing)
}
set ytics autofreq
set title "readers' aggregate scan rate (bytes over wall time, pauses included)"
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
