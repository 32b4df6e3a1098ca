#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# provisionctl's commands, output formats and exit codes against a running
# provisiond on the system bus. Run by run-with-daemon.sh.
set -u

: "${PROVISIONCTL:?PROVISIONCTL must name the provisionctl binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

PATCHES="$PROVISIOND_SOURCE_ROOT/tests/data/patches"
BACKUP="$PROVISIOND_SOURCE_ROOT/data/examples/backup.xml"
PYTHON=/usr/bin/python3

work_dir=$(mktemp -d)
monitor_pid=
cleanup() {
        if [ -n "$monitor_pid" ]; then
                kill -KILL "$monitor_pid" 2>/dev/null
        fi
        rm -rf "$work_dir"
}
trap cleanup EXIT

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
        "$PROVISIONCTL" "$@" >"$work_dir/out" 2>"$work_dir/err"
        status=$?
        if [ "$status" -ne "$expected_status" ]; then
                fail "provisionctl $* exited $status, expected $expected_status"
                cat "$work_dir/err" >&2
        fi
}

expect_in() {
        file=$1
        pattern=$2
        grep -Eq -- "$pattern" "$work_dir/$file" || fail "no /$pattern/ in $file of: $(cat "$work_dir/$file")"
}

test_usage_errors_exit_2() {
        run 2
        run 2 frobnicate
        run 2 apply
        run 2 apply one two
        run 2 status --no-such-option
        run 2 --system --session status
}

test_version_and_help_exit_0() {
        run 0 --version
        expect_in out '^provisionctl [0-9]'
        run 0 --help
        expect_in out 'Exit status'
}

test_unreachable_bus_exits_3() {
        run 3 --address unix:path="$work_dir/no-such-socket" status
}

test_status_lines() {
        run 0 status
        expect_in out '^ *State: (idle|applying)$'
        expect_in out '^ *Last result: (none|success|failed)$'
        expect_in out '^ *Last change: (never|[0-9]{4}-[0-9]{2}-[0-9]{2}T)'
        expect_in out '^ *Settings generation: [0-9]+$'
}

test_status_json_is_an_object_of_the_status_keys() {
        run 0 status --json
        "$PYTHON" - "$work_dir/out" <<'EOF' || fail "status --json: $(cat "$work_dir/out")"
import json, sys
status = json.load(open(sys.argv[1]))
assert isinstance(status["State"], str)
assert isinstance(status["LastResult"], str)
assert set(status["LastError"]) == {"name", "message"}
assert isinstance(status["LastWarnings"], list)
assert isinstance(status["LastChange"], int)
assert isinstance(status["SettingsGeneration"], int)
EOF
}

test_apply_prints_changed_sections_then_no_changes() {
        run 0 apply "$BACKUP"
        expect_in out '^(no changes|[A-Za-z]+ [0-9.]+ (replace|merge))$'
        run 0 apply "$BACKUP"
        expect_in out '^no changes$'
}

test_apply_refused_document_exits_1_with_error_name() {
        run 1 apply "$PATCHES/invalid-value.xml"
        expect_in err '^provisionctl: org\.provisiond\.Provisioning1\.Error\.Validation: '
        run 1 apply "$PATCHES/reference.xml"
        expect_in err '^provisionctl: org\.provisiond\.Provisioning1\.Error\.ReferenceNotAllowed: '
}

test_apply_prints_warnings_on_stderr() {
        run 0 apply "$BACKUP"
        run 0 apply "$PATCHES/unknown-element.xml"
        expect_in out '^telephony [0-9.]+ (replace|merge)$'
        expect_in err '^warning: '
}

test_backup_to_stdout_and_to_file() {
        run 0 backup
        expect_in out '<configuration'
        run 0 backup telephony -o "$work_dir/telephony.xml"
        [ -s "$work_dir/out" ] && fail "backup -o also wrote to stdout"
        grep -q '<telephony' "$work_dir/telephony.xml" || fail "backup -o: no telephony section"
        [ -e "$work_dir/telephony.xml.tmp" ] && fail "backup -o left its temporary file"
        [ "$(stat -c %a "$work_dir/telephony.xml")" = 600 ] || fail "backup -o: file is not private"
}

test_backup_of_unknown_section_exits_1() {
        run 1 backup no-such-section
        expect_in err '^provisionctl: org\.freedesktop\.DBus\.Error\.InvalidArgs: '
}

test_monitor_prints_section_applied_and_exits_0_on_sigterm() {
        # Restoring the backup makes the merge below a change, whatever ran before.
        run 0 apply "$BACKUP"
        "$PROVISIONCTL" monitor >"$work_dir/monitor" 2>&1 &
        monitor_pid=$!
        # Nothing tells when the monitor's match is in place; give it a moment.
        sleep 1
        run 0 apply "$PATCHES/telephony-merge.xml"
        tenths=0
        until grep -q '^SectionApplied run=0 section=telephony version=[0-9.]* how=merge$' "$work_dir/monitor"; do
                tenths=$((tenths + 1))
                if [ "$tenths" -ge 100 ]; then
                        fail "monitor printed no SectionApplied line: $(cat "$work_dir/monitor")"
                        break
                fi
                sleep 0.1
        done
        kill -TERM "$monitor_pid"
        wait "$monitor_pid"
        status=$?
        monitor_pid=
        [ "$status" -eq 0 ] || fail "monitor exited $status on SIGTERM"
}

test_usage_errors_exit_2
test_version_and_help_exit_0
test_unreachable_bus_exits_3
test_status_lines
test_status_json_is_an_object_of_the_status_keys
test_apply_prints_changed_sections_then_no_changes
test_apply_refused_document_exits_1_with_error_name
test_apply_prints_warnings_on_stderr
test_backup_to_stdout_and_to_file
test_backup_of_unknown_section_exits_1
test_monitor_prints_section_applied_and_exits_0_on_sigterm

if [ "$failures" -ne 0 ]; then
        echo "provisionctl-cli: $failures failure(s)" >&2
        exit 1
fi
echo "provisionctl-cli: ok"
