#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# "meson install" into a scratch DESTDIR puts the public header below the
# versioned include directory with the .pc file's Cflags pointing there (and a
# program builds against it), the man pages in their sections, the bash
# completion where bash-completion looks, and Documentation= in the unit.
# Arguments: BUILD_DIR PREFIX INCLUDEDIR LIBDIR MANDIR COMPLETIONSDIR (absolute).
set -u

build_dir=$1 prefix=$2 includedir=$3 libdir=$4 mandir=$5 completionsdir=$6

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT
destdir="$work_dir/root"

failures=0
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}
expect_file() {
        [ -f "$destdir$1" ] || fail "not installed: $1"
}

meson install -C "$build_dir" --no-rebuild --quiet --destdir "$destdir" >"$work_dir/log" 2>&1 || {
        cat "$work_dir/log" >&2
        echo "FAIL: meson install failed" >&2
        exit 1
}

expect_file "$includedir/libprovision-1/provision.h"
[ -e "$destdir$includedir/provision.h" ] && fail "provision.h is also installed unversioned"
pc="$libdir/pkgconfig/libprovision.pc"
expect_file "$pc"
grep -qx 'Cflags: -I${includedir}/libprovision-1' "$destdir$pc" ||
        fail "$pc: $(grep '^Cflags' "$destdir$pc"), expected -I\${includedir}/libprovision-1"

# A client includes <provision.h> with the flags pkg-config gives.
if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
        cflags=$(PKG_CONFIG_PATH="$destdir$libdir/pkgconfig" pkg-config --cflags libprovision) ||
                fail "pkg-config --cflags libprovision failed"
        case " $cflags " in
        *" -I$includedir/libprovision-1 "*) ;;
        *) fail "pkg-config --cflags libprovision: $cflags, without -I$includedir/libprovision-1" ;;
        esac
        # The header is below DESTDIR until a real install.
        cflags=$(printf '%s\n' "$cflags" | sed "s|-I$includedir/libprovision-1|-I$destdir$includedir/libprovision-1|")
        printf '#include <provision.h>\nint main(void) { return prov_client_new == 0; }\n' >"$work_dir/client.c"
        # shellcheck disable=SC2086 # one word per flag
        cc -fsyntax-only $cflags "$work_dir/client.c" 2>"$work_dir/cc.log" ||
                fail "a client does not compile with $cflags: $(cat "$work_dir/cc.log")"
fi

for page in man8/provisiond.8 man1/provisionctl.1 man5/provisiond.conf.5 man5/org.provisiond.Provisioning1.5; do
        expect_file "$mandir/$page"
done
expect_file "$completionsdir/provisionctl"
grep -q "^_provisionctl_releases_conf='$prefix/.*/schemas/releases.conf'\$" "$destdir$completionsdir/provisionctl" ||
        fail "the completion does not read the installed releases.conf"
unit="$prefix/lib/systemd/system/provisiond.service"
expect_file "$unit"
grep -q '^Documentation=man:provisiond(8) ' "$destdir$unit" || fail "$unit has no Documentation="

if [ "$failures" -ne 0 ]; then
        echo "install-layout: $failures failure(s)" >&2
        exit 1
fi
echo "install-layout: ok"
