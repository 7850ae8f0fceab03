# Experiment 2: writer stall against database size; log-log.  Copying
# schemes grow with the size, the others should stay flat.  The floor
# control's spread is the grey band.
wide = 1
load "scripts/plots/style.gp"
f = csv("stall-size")
set multiplot layout 1, 2 title "Writer stall against database size (one whole-database read holding 100 ms, 1000 commits/s)"
set logscale xy 2
set logscale y 10
set format y "10^{%L}"
set xlabel "database size (MiB)"
set ylabel "commit latency (µs)"
set title "p99.9"
set key
plot f using (is("floor") ? column("x") : NaN):"write_p999_us_lo":"write_p999_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_p999_us":"write_p999_us_lo":"write_p999_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v
set title "max"
set key
plot f using (is("floor") ? column("x") : NaN):"write_max_us_lo":"write_max_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_max_us":"write_max_us_lo":"write_max_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v
unset multiplot
