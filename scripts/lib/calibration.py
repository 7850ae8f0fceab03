"""The copy model's bandwidth from a sweep's meta: the lines of `snapbench
--calibrate` that scripts/sweep keeps for an experiment with calibrate=yes
(stall-size), one set per (point, repeat):

  calibrate: x=X repeat=R: calibrate: memcpy of B bytes into a buffer faulted in: G GB/s (best of 3)

Prints "x copy_gbps model_us" per point, x ascending, as CSV with a header
(copy_gbps the median over the repeats, model_us = B / copy_gbps / 1000:
the time one memcpy of the database takes, the stall the copy model
predicts for a scheme that copies it under the writer's lock, as
fullcopy does); only the header when the meta has no calibration.

Command line: calibration.py META
"""

import re
import sys

from runs import fail, main_guard, median, read_meta

LINE = re.compile(r"^x=([0-9.]+) repeat=\d+: calibrate: memcpy of (\d+) bytes .*: ([0-9.]+) GB/s")


def copy_model(meta):
    """[(x, bytes, median GB/s)] ascending in x."""
    points = {}
    for key, value in meta:
        if key != "calibrate":
            continue
        match = LINE.match(value)
        if match:
            x, size, gbps = match.groups()
            points.setdefault(float(x), (int(size), []))[1].append(float(gbps))
    return [(x, size, median(rates)) for x, (size, rates) in sorted(points.items()) if rates]


def main(argv):
    if len(argv) != 2:
        fail("usage: calibration.py META")
    print("x,copy_gbps,model_us")
    for x, size, gbps in copy_model(read_meta(argv[1])):
        if gbps <= 0:
            fail(f"x={x:g}: a copy bandwidth of {gbps} GB/s")
        print(f"{x:g},{gbps:g},{size / gbps / 1000:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("calibration", lambda: main(sys.argv)))
