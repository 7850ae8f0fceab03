"""The machine a run was measured on, as `key: value` lines for a .meta
file: what can move a latency or a scan rate between two runs of the same
code -- CPU, frequency governor and turbo, SMT, transparent huge pages,
load, kernel, compiler and the versions of the libraries the engines and
schemes link.  A value the machine does not expose reads `unknown`.

Command line: machine.py [BUILD_DIR]  (BUILD_DIR: where CMakeCache.txt
tells the compiler flags snapbench was built with).
"""

import os
import platform
import re
import shutil
import socket
import subprocess
import sys

# The Debian packages snapbench links (scripts/deps installs them).
LIBRARY_PACKAGES = ("liburcu-dev", "libck-dev", "liblmdb-dev", "libsqlite3-dev")


def first_line(path, default="unknown"):
    try:
        with open(path) as f:
            return f.readline().strip() or default
    except OSError:
        return default


def bracketed(text):
    """The selected word of a sysfs choice line: "always [madvise] never"."""
    m = re.search(r"\[([^\]]+)\]", text)
    return m.group(1) if m else text


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def turbo():
    no_turbo = first_line("/sys/devices/system/cpu/intel_pstate/no_turbo", None)
    if no_turbo is not None:
        return "off" if no_turbo == "1" else "on"
    boost = first_line("/sys/devices/system/cpu/cpufreq/boost", None)
    if boost is not None:
        return "on" if boost == "1" else "off"
    return "unknown"


def smt():
    control = first_line("/sys/devices/system/cpu/smt/control", None)
    active = first_line("/sys/devices/system/cpu/smt/active", None)
    if control is None and active is None:
        return "unknown"
    return f"{control or 'unknown'} (active {active or 'unknown'})"


def memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return "%d GiB" % (int(line.split()[1]) // (1024 * 1024))
    except OSError:
        pass
    return "unknown"


def run(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def compiler(build_dir):
    """The C compiler and flags from the build's CMake cache, else `cc`."""
    cache = os.path.join(build_dir, "CMakeCache.txt") if build_dir else None
    entries = {}
    if cache and os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                m = re.match(r"(CMAKE_C_COMPILER|CMAKE_BUILD_TYPE|CMAKE_C_FLAGS(?:_[A-Z]+)?):[A-Z]+=(.*)", line)
                if m:
                    entries[m.group(1)] = m.group(2).strip()
    cc = entries.get("CMAKE_C_COMPILER") or shutil.which("cc") or "cc"
    version = run([cc, "--version"])
    name = version.splitlines()[0] if version else cc
    build_type = entries.get("CMAKE_BUILD_TYPE", "")
    flags = " ".join(x for x in (entries.get("CMAKE_C_FLAGS", ""),
                                 entries.get("CMAKE_C_FLAGS_" + build_type.upper(), "")) if x)
    return name, (f"{build_type} {flags}".strip() or "unknown")


def library_versions():
    """One dpkg-query for every package: "NAME VERSION" each, "unknown" for
    a package that is not installed."""
    out = run(["dpkg-query", "-W", "-f=${Package} ${Version}\n", *LIBRARY_PACKAGES]) or ""
    found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    return ", ".join(f"{p} {found.get(p) or 'unknown'}" for p in LIBRARY_PACKAGES)


def load_average():
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(first_line("/proc/loadavg").split()[:3])


def machine_lines(build_dir=None):
    cc, flags = compiler(build_dir)
    governor = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return [
        ("host", socket.gethostname()),
        ("cpu", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", memory_gib()),
        ("kernel", platform.release()),
        ("cpu_governor", governor),
        ("cpu_turbo", turbo()),
        ("smt", smt()),
        ("thp", bracketed(first_line("/sys/kernel/mm/transparent_hugepage/enabled"))),
        ("load_average", load_average()),
        ("compiler", cc),
        ("compiler_flags", flags),
        ("libraries", library_versions()),
    ]


if __name__ == "__main__":
    for key, value in machine_lines(sys.argv[1] if len(sys.argv) > 1 else None):
        print(f"{key}: {value}")
