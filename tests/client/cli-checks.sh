# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Checks shared by the provisionctl test scripts; sourced, not run. The script
# sets $work_dir, $WAIT_TENTHS, $PROVISIONCTL and, to reach another bus than
# the system bus, $PROVISIONCTL_BUS (e.g. "--address=unix:path=…").

failures=0
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: runs provisionctl, keeps stdout and stderr in
# $work_dir/out and $work_dir/err, checks the exit status.
run() {
        expected_status=$1
        shift
        # shellcheck disable=SC2086 # empty, or one word
        "$PROVISIONCTL" ${PROVISIONCTL_BUS:-} "$@" >"$work_dir/out" 2>"$work_dir/err"
        status=$?
        if [ "$status" -ne "$expected_status" ]; then
                fail "provisionctl $* exited $status, expected $expected_status"
                cat "$work_dir/err" >&2
        fi
}

# expect_in FILE PATTERN: $work_dir/FILE has a line matching PATTERN.
expect_in() {
        grep -Eq -- "$2" "$work_dir/$1" || fail "no /$2/ in $1 of: $(cat "$work_dir/$1")"
}

# expect_line FILE LINE: $work_dir/FILE has exactly LINE as one of its lines.
expect_line() {
        grep -Fxq -- "$2" "$work_dir/$1" || fail "no line \"$2\" in $1 of: $(cat "$work_dir/$1")"
}

# expect_only FILE TEXT: $work_dir/FILE holds exactly TEXT (and a final newline).
expect_only() {
        printf '%s\n' "$2" | cmp -s - "$work_dir/$1" || fail "$1 is \"$(cat "$work_dir/$1")\", expected \"$2\""
}

# json_check FILE PYTHON: runs PYTHON with "lines" (the JSON value in
# $work_dir/FILE, or else its lines each parsed as JSON) and "document" (the
# first of them) defined; an
# assertion that fails fails the test.
json_check() {
        /usr/bin/python3 -c '
import json, sys
text = open(sys.argv[1]).read()
try:
    lines = [json.loads(text)]
except ValueError:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
document = lines[0] if lines else None
exec(sys.argv[2])
' "$work_dir/$1" "$2" || fail "JSON check of $1 failed: $(cat "$work_dir/$1")"
}

# wait_for FILE PATTERN [SKIP]: waits until $work_dir/FILE has a line matching
# PATTERN after its first SKIP lines.
wait_for() {
        tenths=0
        until tail -n +"$((${3:-0} + 1))" "$work_dir/$1" 2>/dev/null | grep -Eq -- "$2"; do
                tenths=$((tenths + 1))
                if [ "$tenths" -ge "$WAIT_TENTHS" ]; then
                        fail "no /$2/ in $1 of: $(cat "$work_dir/$1" 2>/dev/null)"
                        return 1
                fi
                sleep 0.1
        done
}
