# Experiment 2: writer stall against database size; log-log.  Copying
# schemes grow with the size, the others should stay flat.  The floor
# control's spread is the grey band.  The copy model D/β (dashed, in
# fullcopy's colour): the time one memcpy of the database takes at the
# bandwidth β that `snapbench --calibrate` measured at each size, the
# stall a scheme that copies the database under the writer's lock should
# show at worst.
#
# scripts/plot sets, beside style.gp's: model (calibration.py's CSV:
# x,copy_gbps,model_us) and model_points (its rows; 0: no calibration in
# the results, no model line).
wide = 1
load "scripts/plots/style.gp"
f = csv("stall-size")
# The model's line, appended to each plot command (a macro: empty without
# a calibration).
model_plot = model_points > 0 ? sprintf(", '%s' using \"x\":\"model_us\" with lines dt 4 lw 2 lc rgb '%s' title 'copy model D/β (fullcopy)'", model, vcolor("fullcopy")) : ""
set multiplot layout 1, 2 title "Writer stall against database size (one whole-database read holding 100 ms, 1000 commits/s)"
set logscale xy 2
set logscale y 10
set format y "10^{%L}"
set xlabel "database size (MiB)"
set ylabel "commit latency (µs)"
set title "p99.9"
set key
if (filled("write_p999_us")) {
plot f using (is("floor") ? column("x") : NaN):"write_p999_us_lo":"write_p999_us_hi" \
        with filledcurves fc rgb floor_fill title "floor, min-max", \
     for [v in vlist] f using (is(v) ? column("x") : NaN):"write_p999_us":"write_p999_us_lo":"write_p999_us_hi" \
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v @model_plot
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
        with yerrorlines lc rgb vcolor(v) pt vpt(v) lw vlw(v) dt vdt(v) title v @model_plot
unset multiplot
