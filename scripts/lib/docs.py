"""The generated blocks of docs/design.md: the column table from
`snapbench --columns` and the options from `snapbench --help`.

  docs.py write DOC SNAPBENCH   rewrites both blocks (the file whole)
  docs.py check DOC SNAPBENCH   exits 1, naming the block, when either
                                differs from what the program prints
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402


def columns_block(bin_path):
    out = subprocess.run([bin_path, "--columns"], check=True,
                         capture_output=True, text=True).stdout
    lines = ["| column | unit | table | meaning |", "| --- | --- | --- | --- |"]
    for line in out.splitlines():
        name, unit, short, meaning = line.split("\t")
        meaning = meaning.replace("|", "\\|")
        lines.append(f"| `{name}` | {unit} | {short} | {meaning} |")
    return "\n".join(lines)


def help_block(bin_path):
    out = subprocess.run([bin_path, "--help"], check=True,
                         capture_output=True, text=True).stdout
    return "```\n" + out.rstrip("\n") + "\n```"


def replace_block(text, name, body):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    a, b = text.find(begin), text.find(end)
    if a < 0 or b < a:
        runs.fail(f"no {begin} ... {end} block")
    return text[:a + len(begin)] + "\n" + body + "\n" + text[b:]


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("write", "check"):
        runs.fail("usage: docs.py write|check DOC SNAPBENCH")
    _, verb, doc, bin_path = sys.argv
    with open(doc) as f:
        text = f.read()
    new = replace_block(text, "columns", columns_block(bin_path))
    new = replace_block(new, "help", help_block(bin_path))
    if verb == "write":
        if new != text:
            runs.write_whole(doc, new)
        return 0
    if new != text:
        print(f"{doc}: its generated blocks differ from {bin_path} --columns "
              "and --help: run scripts/docs-sync", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(runs.main_guard("docs", main))
