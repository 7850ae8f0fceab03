# Experiment 10, RustDb's own scheme against pagever, the scheme this
# project rebuilt from it: the readers' aggregate scan rate (--scan-work
# sum, back-to-back whole-database reads, bytes over wall time) and the
# writer's tail at 5000 commits/s, with 1 to 8 readers on 2 cores.  pagever
# runs twice per point: as it is and with --pv-home off, the ablation of
# the layer that moves rewritten pages back to their home slots (its rows
# are labelled pagever-home-off).  This experiment names its variants: it
# compares these two.  The p99.9 rule: 5000 commits/s x 2 s.
title="rustdb against pagever: scan rate and writer tail against reader threads"
x_name="readers"
x_unit="threads"
variants="rustdb,pagever,floor"
series="pagever-home-off=pagever --pv-home off"
uses_p999=yes
points="1 2 4 8"
quick_points="1 4"
point_args() {
  echo "-r $1 --scan-work sum --write-rate 5000 --warmup 0.5 --drain 2 -d $([ "$quick" = 1 ] && echo 1 || echo 2)"
}
