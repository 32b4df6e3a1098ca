# shellcheck shell=bash
# Configures (once) and compiles a build directory. Sourced by tools/test and
# tools/demo so both use the same options and neither rebuilds for the other.

# Sets up BUILD_DIR with the given meson options, or brings an existing one to
# them; does nothing when it already has them.
configure_build_dir() {
        local build_dir="$1"
        shift
        local options=(--werror -Dwarning_level=2 "$@")

        if [[ ! -f "$build_dir/meson-private/coredata.dat" ]]; then
                echo "Setting up $build_dir"
                mkdir -p "$build_dir"
                quietly "$build_dir/setup.log" meson setup "$build_dir" "${options[@]}"
                return
        fi
        local stale
        stale="$(stale_build_options "$build_dir" "${options[@]}")"
        if [[ -n "$stale" ]]; then
                echo "Reconfiguring $build_dir: $stale"
                # shellcheck disable=SC2086 # one -Dname=value word per stale option
                quietly "$build_dir/setup.log" meson configure "$build_dir" $stale
        fi
}

# Prints, as -Dname=value words, the options whose value in BUILD_DIR differs
# from the one asked for (--werror counts as -Dwerror=true).
stale_build_options() {
        local build_dir="$1"
        shift
        meson introspect "$build_dir" --buildoptions | /usr/bin/python3 -c '
import json, sys
current = {o["name"]: o["value"] for o in json.load(sys.stdin)}
def text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)
stale = []
for option in sys.argv[1:]:
    name, value = ("werror", "true") if option == "--werror" else option[2:].split("=", 1)
    if text(current.get(name)) != value:
        stale.append(f"-D{name}={value}")
print(" ".join(stale))
' "$@"
}

build() {
        local build_dir="$1"
        shift
        configure_build_dir "$build_dir" "$@"
        quietly "$build_dir/compile.log" meson compile -C "$build_dir"
}

# Runs a command with its output in LOG, shown only if it fails.
quietly() {
        local log="$1"
        shift
        "$@" >"$log" 2>&1 || {
                local status=$?
                cat "$log" >&2
                return "$status"
        }
}

# One closing line that CI and people can read without knowing meson:
# "tests: N passed, N failed, N skipped", counted from the last `meson test`.
print_test_summary() {
        local log="$1/meson-logs/testlog.json"
        [[ -f "$log" ]] || { echo "tests: 0 passed, 0 failed"; return; }
        /usr/bin/python3 - "$log" <<'PYTHON'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
with open(sys.argv[1]) as log:
    for line in log:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif result == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
print("tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts))
PYTHON
}
