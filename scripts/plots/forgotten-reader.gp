# Experiment 8, the forgotten reader: one read held open for the whole
# run.  Top: the memory each scheme retains over time with the writer at
# 5000 commits/s (log y), beside the model: a snapshot needs the old
# version of each page written since it began, min(λkT, N) pages at most
# (dashed), N (1 - e^(-λkT/N)) expected for uniform writes (dotted), T the
# time since the read began.  Bottom: commits per second over time with a
# closed-loop writer; each key says its rate after 10^6 commits as a
# fraction of its first second's.  A series that ended early (lmdb's map
# full, a run stopped at --retained-limit) ends with a cross.
#
# scripts/plot sets, beside style.gp's: fragment (forgotten.py's gnuplot
# assignments: lambda, k, N, page, t0, open_title_I, closed_title_I,
# ended_open, ended_closed), ends (forgotten.py's CSV of the points where
# a series ended: panel,t_s,value,variant) and rates (its CSV of the
# closed loop's commits per whole second: variant,t_s,commits_per_s).
# Two panels, each with a key of up to ten lines below it.
wide = 1
height = 1300
load "scripts/plots/style.gp"
load fragment
ftitle(kind, v) = exists(sprintf("%s_title_%d", kind, lidx(v))) ? value(sprintf("%s_title_%d", kind, lidx(v))) : v
fo = csv("forgotten-reader")
set multiplot layout 2, 1 title "A forgotten reader: one read open for the whole run"
set lmargin 12
set rmargin 4
set key below vertical Left reverse noenhanced samplen 2 maxrows 5 width -2 font ",9"
set logscale y
set format y "10^{%L}"
set xrange [0:*]
set xlabel "time into the window (s)"

set title sprintf("memory retained, writer at %g commits/s of %g pages over %g pages", lambda, k, N) noenhanced
set ylabel "retained (MiB)"
set yrange [1:*]
set samples 400
modelmin(t) = (lambda * k * (t + t0) < N ? lambda * k * (t + t0) : N) * page / MiB
modelexp(t) = N * (1 - exp(-lambda * k * (t + t0) / N)) * page / MiB
plot for [v in vlist] fo using (is(v) ? column("t_s") : NaN):(column("retained_bytes") > 0 ? column("retained_bytes") / MiB : NaN) \
        with lines lc rgb vcolor(v) lw vlw(v) dt vdt(v) title ftitle("open", v), \
     for [v in ended_open] ends using (strcol("panel") eq "open" && strcol("variant") eq v ? column("t_s") : NaN):"value" \
        with points lc rgb vcolor(v) pt 2 ps 2 lw 2 notitle, \
     modelmin(x) with lines dt 2 lw 1.5 lc rgb "#444444" title "model: min(λkT, N) pages", \
     modelexp(x) with lines dt 3 lw 1.5 lc rgb "#444444" title "uniform writes: N(1 - e^{-λkT/N}) pages"

set title "commits per second with a closed-loop writer (--write-rate 0); a second with no commit is drawn at 1"
set key maxrows 10
set ylabel "commits/s"
set yrange [0.7:*]
set ytics ("0" 1, "10" 10, "10^{2}" 100, "10^{3}" 1000, "10^{4}" 10000, "10^{5}" 100000, "10^{6}" 1000000)
plot for [v in vlist] rates using (is(v) ? column("t_s") : NaN):(column("commits_per_s") > 0 ? column("commits_per_s") : 1) \
        with lines lc rgb vcolor(v) lw vlw(v) dt vdt(v) title ftitle("closed", v), \
     for [v in ended_closed] ends using (strcol("panel") eq "closed" && strcol("variant") eq v ? column("t_s") : NaN):"value" \
        with points lc rgb vcolor(v) pt 2 ps 2 lw 2 notitle
unset multiplot
