# Experiment 6: one run per variant with a single long read in the middle:
# commits per second, write p99 and retained bytes per 100 ms.
tall = 1
load "scripts/plots/style.gp"
f = csv("timeline")
set multiplot layout 3, 1 title sprintf("Timeline: one %g s read starting at %g s (1000 commits/s)", read_pause_ms / 1000.0, read_start)
set lmargin 12
set rmargin 16
set xlabel ""
set arrow 1 from read_start, graph 0 to read_start, graph 1 nohead dt 3 lc rgb "#444444"
# Log scale, so that the steady rate, the stall and the burst after it all
# show; a slot with no commit (a stall) is drawn at 1, labelled 0 (one
# commit in a 100 ms slot is already 10/s).
set ylabel "commits/s"
set logscale y
set yrange [0.7:*]
set ytics ("0" 1, "10" 10, "10^{2}" 100, "10^{3}" 1000, "10^{4}" 10000, "10^{5}" 100000)
set key
plot for [v in vlist] f using (is(v) ? column("t_s") : NaN):(column("commits") > 0 ? column("commits") * 10 : 1) \
        with steps lc rgb vcolor(v) lw vlw(v) dt vdt(v) title v
unset key
set yrange [*:*]
set ytics autofreq
set format y "10^{%L}"
set ylabel "write p99 (µs)"
plot for [v in vlist] f using (is(v) ? column("t_s") : NaN):(column("write_p99_us") > 0 ? column("write_p99_us") : NaN) \
        with steps lc rgb vcolor(v) lw vlw(v) dt vdt(v) title v
set ylabel "retained (MiB)"
set xlabel "time into the measured run (s)"
plot for [v in vlist] f using (is(v) ? column("t_s") : NaN):(column("retained_bytes") > 0 ? column("retained_bytes") / MiB : NaN) \
        with steps lc rgb vcolor(v) lw vlw(v) dt vdt(v) title v
unset multiplot
