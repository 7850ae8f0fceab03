# Experiment 3: memory retained for readers (peak) against the read's
# duration and against the hot set; log-log.  A variant that retains
# nothing (0) cannot sit on a log axis and is left out of a panel.
wide = 1
load "scripts/plots/style.gp"
set multiplot layout 1, 2 title "Memory retained for readers (peak; 1 reader, 1000 commits/s x 4 pages, 64 MiB database)"
set logscale xy
set format y "10^{%L}"
set ylabel "retained peak (MiB)"
set title "against read duration (writes over all pages)"
set xlabel "read duration: snapshot held (ms)"
set key
f = csv("retained-read")
plot for [v in vlist] f using (is(v) ? column("x") : NaN):(column("retained_peak_bytes") / MiB):(column("retained_peak_bytes_lo") / MiB):(column("retained_peak_bytes_hi") / MiB) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v
set title "against hot set (reads of 1 s)"
set xlabel "hot set: share of pages written (%)"
set key
f = csv("retained-hot")
plot for [v in vlist] f using (is(v) ? column("x") : NaN):(column("retained_peak_bytes") / MiB):(column("retained_peak_bytes_lo") / MiB):(column("retained_peak_bytes_hi") / MiB) \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v
unset multiplot
