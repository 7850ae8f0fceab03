#!/usr/bin/env bash
# tests/test_install.sh CMAKE BUILD_DIR SOURCE_DIR [CC]
#
# libpagever as a user gets it: `cmake --install` of the build into a
# temporary prefix, then checks of what landed there (the header, the shared
# library with its SONAME, the static library, pagever.pc, and that the
# shared library exports the calls of pagever.h and nothing else), then a
# copy of examples/ built outside the repository with pkg-config alone, run
# for a second and a half: it must link the installed library and pass its
# own consistency check.  Any step that fails fails the test (exit 1).
set -u
cmake=${1:?usage: test_install.sh CMAKE BUILD_DIR SOURCE_DIR [CC]}
build=${2:?usage: test_install.sh CMAKE BUILD_DIR SOURCE_DIR [CC]}
source=${3:?usage: test_install.sh CMAKE BUILD_DIR SOURCE_DIR [CC]}
cc=${4:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() {
  echo "ok: $*"
}

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install $build --prefix $prefix"; }
ok "cmake --install into $prefix"

# Where GNUInstallDirs put the libraries (lib, lib64, lib/<multiarch>).
pcs=$(find "$prefix" -name pagever.pc)
[ "$(printf '%s\n' "$pcs" | grep -c .)" = 1 ] || fail "one pagever.pc under $prefix, found: ${pcs:-none}"
libdir=$(dirname "$(dirname "$pcs")")
[ "$(basename "$(dirname "$pcs")")" = pkgconfig ] || fail "pagever.pc is not in a pkgconfig folder: $pcs"

# The header, as in the repository.
cmp -s "$prefix/include/pagever.h" "$source/include/pagever.h" ||
  fail "$prefix/include/pagever.h is missing or differs from include/pagever.h"
ok "include/pagever.h"

# The shared library: the development link, the SONAME link, the SONAME.
so=$libdir/libpagever.so
[ -f "$so" ] || fail "$so is missing"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = libpagever.so.1 ] || fail "SONAME of $so is '${soname}', not libpagever.so.1"
[ -f "$libdir/$soname" ] || fail "$libdir/$soname (the SONAME's file) is missing"
[ "$(readlink -f "$so")" = "$(readlink -f "$libdir/$soname")" ] ||
  fail "$so and $libdir/$soname are different files"
ok "$so, SONAME $soname"

# Exactly the calls pagever.h declares are exported.
exported=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort)
declared=$(grep '^PAGEVER_API ' "$source/include/pagever.h" | grep -o '^[^(]*' |
           sed 's/.*[ *]//' | sort)
[ -n "$declared" ] || fail "no PAGEVER_API declarations found in pagever.h"
others=$(printf '%s\n' "$exported" | grep -v '^pagever_')
[ -z "$others" ] || fail "$so exports symbols outside pagever_*: $(echo $others)"
[ "$exported" = "$declared" ] ||
  fail "$so exports [$(echo $exported)], pagever.h declares [$(echo $declared)]"
ok "$so exports the $(printf '%s\n' "$exported" | wc -l) calls of pagever.h and nothing else"

# The static library.
[ -f "$libdir/libpagever.a" ] || fail "$libdir/libpagever.a is missing"
nm --defined-only "$libdir/libpagever.a" 2>/dev/null | grep -q ' T pagever_open$' ||
  fail "$libdir/libpagever.a does not define pagever_open"
ok "$libdir/libpagever.a"

# pkg-config: the installed prefix, and the header's version.
export PKG_CONFIG_PATH=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs pagever) || fail "pkg-config --cflags --libs pagever"
case " $flags " in
  *" -I$prefix/include "*) ;;
  *) fail "pkg-config --cflags gives '$flags', not -I$prefix/include" ;;
esac
case " $flags " in
  *" -L$libdir "*"-lpagever "*) ;;
  *) fail "pkg-config --libs gives '$flags', not -L$libdir -lpagever" ;;
esac
version=$(sed -n 's/^#define PAGEVER_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
          "$source/include/pagever.h" | paste -sd.)
[ "$(pkg-config --modversion pagever)" = "$version" ] ||
  fail "pkg-config --modversion gives $(pkg-config --modversion pagever), pagever.h $version"
ok "pkg-config: $flags (version $version)"

# The example, copied out of the repository so that it can reach nothing
# of it, built with its Makefile (pkg-config alone) and run.
cp -r "$source/examples" "$tmp/examples" || fail "copying examples/"
make -s -C "$tmp/examples" CC="$cc" kvstore >"$tmp/make.log" 2>&1 ||
  { cat "$tmp/make.log" >&2; fail "make -C examples (against $prefix)"; }
linked=$(ldd "$tmp/examples/kvstore" | sed -n 's/.*libpagever\.so\.1 => \([^ ]*\).*/\1/p')
[ "$(readlink -f "$linked")" = "$(readlink -f "$libdir/libpagever.so.1")" ] ||
  fail "kvstore links libpagever.so.1 from '${linked:-nowhere}', not $libdir"
ok "examples/kvstore built, linked to $linked"

# Runs the example; its summary must show reports made while commits went
# on, and no inconsistent one.
run_example() {
  local binary=$1 out=$tmp/run.out status
  timeout -k 5 60 "$binary" --seconds 1.5 --records 20000 >"$out" 2>&1
  status=$?
  [ "$status" = 0 ] || { tail -n 5 "$out" >&2; fail "$binary exited $status"; }
  local summary
  summary=$(grep '^kvstore: ' "$out") || fail "$binary printed no summary"
  echo "$summary" | grep -Eq ' [1-9][0-9]* reports \(0 inconsistent\), [1-9][0-9]* commits during reports; final total [0-9]+ \(consistent\)$' ||
    fail "$binary: no report overlapped a commit, or one was inconsistent: $summary"
  ok "$summary"
}
run_example "$tmp/examples/kvstore"

# The same, linked statically with what pkg-config --static adds.
"$cc" -O2 $(pkg-config --cflags pagever) -o "$tmp/kvstore-static" \
  "$tmp/examples/kvstore.c" "$libdir/libpagever.a" \
  $(pkg-config --static --libs-only-other pagever) 2>"$tmp/static.log" ||
  { cat "$tmp/static.log" >&2; fail "linking kvstore with $libdir/libpagever.a"; }
! ldd "$tmp/kvstore-static" | grep -q libpagever ||
  fail "the static kvstore still needs libpagever.so"
run_example "$tmp/kvstore-static"
