"""Which variants a point of a sweep runs, and in which order.

An experiment names its variants as snapbench's `-v` does (README, "The
CLI"): comma-separated items taken left to right into an ordered set,
registry order in the end --
  NAME             adds it (refused when it cannot run the workload)
  all              every variant that can run the workload
  PROPERTY         every variant with that property (strict, eventual,
                   concurrent, control, engine, frozen, as `--list` reports)
                   that can run the workload
  schemes          every variant that is not a control
  -NAME, -ITEM     removes what it names.
The sweep runs each variant in a snapbench process of its own, in an order
shuffled per (repeat, point), so it resolves the selection itself from
`snapbench --list` (NAME  PROPERTIES  SUMMARY per line).

A series is a further run of a selected variant with other options (an
experiment's `series`, e.g. pagever with --pv-home off): LABEL=VARIANT
pairs; each label joins the list right after its variant, and only where
that variant was selected.

Command line (for scripts/sweep):
  selection.py LIST_FILE SELECTION READERS WRITERS [SHUFFLE_KEY [SERIES]]
prints the variants (and series labels), comma-separated, in registry
order; with SHUFFLE_KEY (a string: the order seed, repeat, x) a second
line has them in the order drawn by a generator seeded with it.  SERIES
is LABEL=VARIANT[,LABEL=VARIANT...].
"""

import random
import sys

from runs import fail, main_guard

GROUPS = {"all", "schemes"}


def parse_list(text):
    """[(name, {properties})] in registry order from `snapbench --list`."""
    registry = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        registry.append((fields[0], set(fields[1].split(","))))
    if not registry:
        fail("snapbench --list printed no variant")
    return registry


def fits(properties, readers, writers):
    """True when a variant can run the workload: the rule of snapbench's
    variant_fits (harness/main.c) -- one that is not `concurrent` runs
    readers alone, or at most one writer alone."""
    return "concurrent" in properties or ((readers == 0 or writers == 0) and writers <= 1)


def matches(item, name, properties):
    if item == "all":
        return True
    if item == "schemes":
        return "control" not in properties
    return item == name or item in properties


def select(registry, selection, readers, writers):
    """The variants the selection names that can run the workload, in
    registry order."""
    names = {name for name, _ in registry}
    known_properties = set().union(*(p for _, p in registry)) | GROUPS
    chosen = set()
    for raw in selection.split(","):
        item = raw.strip()
        remove = item.startswith("-")
        if remove:
            item = item[1:]
        if not item:
            fail(f"variant selection '{selection}': an empty item")
        if item not in names and item not in known_properties:
            fail(f"variant selection '{selection}': no variant or property '{item}'")
        for name, properties in registry:
            if not matches(item, name, properties):
                continue
            if remove:
                chosen.discard(name)
            elif item == name and not fits(properties, readers, writers):
                fail(f"variant '{name}' cannot run this workload ({readers} readers, {writers} writers)")
            elif fits(properties, readers, writers):
                chosen.add(name)
    return [name for name, _ in registry if name in chosen]


def with_series(variants, series):
    """The variants with each series label right after its variant, for
    the variants selected; series is [(label, variant)]."""
    names = set(variants)
    out = []
    for name in variants:
        out.append(name)
        out += [label for label, variant in series if variant == name]
    for label, variant in series:
        if label in names:
            fail(f"series label '{label}' is also a variant's name")
    return out


def parse_series(text):
    """[(label, variant)] from LABEL=VARIANT[,LABEL=VARIANT...]."""
    series = []
    for item in filter(None, (i.strip() for i in text.split(","))):
        label, sep, variant = item.partition("=")
        if not sep or not label or not variant:
            fail(f"series '{item}': expected LABEL=VARIANT")
        series.append((label, variant))
    return series


def shuffled(variants, key):
    """The variants in an order drawn from a generator seeded with key (a
    string, hashed by random's version-2 seeding: the same on every Python 3)."""
    order = list(variants)
    random.Random(key).shuffle(order)
    return order


def main(argv):
    if len(argv) not in (5, 6, 7):
        fail("usage: selection.py LIST_FILE SELECTION READERS WRITERS [SHUFFLE_KEY [SERIES]]")
    with open(argv[1]) as f:
        registry = parse_list(f.read())
    try:
        readers, writers = int(argv[3]), int(argv[4])
    except ValueError:
        fail(f"readers and writers must be integers, got '{argv[3]}' and '{argv[4]}'")
    variants = select(registry, argv[2], readers, writers)
    if not variants:
        fail(f"variant selection '{argv[2]}' leaves no variant that can run this workload")
    if len(argv) == 7:
        variants = with_series(variants, parse_series(argv[6]))
    print(",".join(variants))
    if len(argv) >= 6:
        print(",".join(shuffled(variants, argv[5])))
    return 0


if __name__ == "__main__":
    sys.exit(main_guard("sweep", lambda: main(sys.argv)))
