# Experiment 1: writer stall (p99.9 and max commit latency) against the
# long read's duration, every strict variant; log-log, with the spread over
# repeats as error bars, the floor control's spread as a grey band (what no
# scheme can go below on this machine), and the line "stall = the whole
# read" for reference.  A point whose percentile was not reported (too few
# commits behind it: an empty cell) is left out.
wide = 1
load "scripts/plots/style.gp"
f = csv("stall-read")
set multiplot layout 1, 2 title "Writer stall against long-read duration (one read, 1000 commits/s)"
set logscale xy
set format y "10^{%L}"
set xlabel "read duration: snapshot held (ms)"
set ylabel "commit latency (µs)"
set xrange [0.5:20000]
set title "p99.9"
set key
if (filled("write_p999_us")) {
plot f using (is("floor") ? column("x") : NaN):"write_p999_us_lo":"write_p999_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_p999_us":"write_p999_us_lo":"write_p999_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v, \
     x * 1000 with lines dt 2 lc rgb "#888888" title "stall = read"
} else {
eval empty_panel(p999_missing)
}
set title "max"
set logscale y
set yrange [*:*]
set ytics autofreq
set key
plot f using (is("floor") ? column("x") : NaN):"write_max_us_lo":"write_max_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_max_us":"write_max_us_lo":"write_max_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v, \
     x * 1000 with lines dt 2 lc rgb "#888888" title "stall = read"
unset multiplot
