#!/usr/bin/env bash
# tests/test_docs.sh SNAPBENCH — the design document and the code agree:
# docs/design.md's column table and option list are what snapbench
# --columns and --help print (scripts/docs-sync rewrites them), and no file
# of the repository cites a document outside it (users have only the repo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: test_docs.sh SNAPBENCH}
fail() { echo "test_docs: FAIL: $*" >&2; exit 1; }
python3 "$root/scripts/lib/docs.py" check "$root/docs/design.md" "$bin" ||
  fail "docs/design.md is out of date"
# References that lead outside the repository: the original contract and
# notes lived in a folder users do not have.
cd "$root"
outside=$(git grep -nE '\.\./shared|shared/references|references/NOTES|(^|[^/a-z])DESIGN\.md' -- \
  ':!tests/test_docs.sh' ':!results/**/*.csv' || true)
[ -z "$outside" ] || fail "references outside the repository:
$outside"
echo "test_docs: ok"
