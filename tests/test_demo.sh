#!/usr/bin/env bash
# tests/test_demo.sh — the three lines scripts/demo ends with: on a fixture
# CSV whose answers are known (tests/fixtures/demo: rwlock and leftright
# blocked, rwlock and leftright behind, the controls left out, an empty
# cell not judged), and end to end through scripts/demo over the fake
# snapbench, with its exit status passed on.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"

python3 "$root/scripts/lib/reading.py" "$root/tests/fixtures/demo/run.csv" "$root/tests/fixtures/demo/list" >"$tmp/lines"
cat >"$tmp/want" <<'WANT'
Waited for readers (writer blocked over 1 % of the 2 s run): rwlock (1,800 ms), leftright (900 ms).
Kept the rate of 1,000 commits/s: pagever, rcucow, fullcopy; fell behind: rwlock (600/s), leftright (990/s, 3 unfinished).
Held the most memory for readers: leftright 64 MiB at peak, then fullcopy 64 MiB and rcucow 42 MiB.
WANT
diff "$tmp/want" "$tmp/lines" >&2 || fail "the reading of the fixture differs (above)"

FAKE_SLOW=rwlock "$root/scripts/demo" --read-pause 5 >"$tmp/out" 2>/dev/null || fail "scripts/demo exited $?"
tail -3 "$tmp/out" >"$tmp/last"
grep -qx "Waited for readers: no writer was blocked for over 1 % of the 2 s run." "$tmp/last" || fail "line 1: $(sed -n 1p "$tmp/last")"
grep -q "^Kept the rate of 1,000 commits/s: pagever, rustdb, .*; fell behind: rwlock (500/s)\.$" "$tmp/last" || fail "line 2: $(sed -n 2p "$tmp/last")"
grep -q "^Held the most memory for readers: rwlock 4.88 KiB at peak" "$tmp/last" || fail "line 3: $(sed -n 3p "$tmp/last")"
grep -q "floor" "$tmp/last" && fail "a control was judged: $(cat "$tmp/last")"
s=0
FAKE_VIOLATE=1 "$root/scripts/demo" --seed 2 >"$tmp/out" 2>/dev/null || s=$?
[ "$s" = 1 ] || fail "a violation's exit status was not passed on: $s"
[ "$(tail -3 "$tmp/out" | grep -c '^Kept the rate')" = 1 ] || fail "no reading after a violation"
echo "test_demo: ok"
