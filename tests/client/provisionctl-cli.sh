#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# provisionctl's commands, output formats and exit codes against a running
# provisiond on the system bus. Run by run-with-daemon.sh inside
# with-http-server.sh, which serves data/examples for the provisioning runs.
set -u

: "${PROVISIONCTL:?PROVISIONCTL must name the provisionctl binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"
: "${PROVISION_TEST_HTTP_URL:?PROVISION_TEST_HTTP_URL must name the test HTTP server}"
: "${PROVISION_TEST_CLOSED_URL:?PROVISION_TEST_CLOSED_URL must name a refusing port}"

PATCHES="$PROVISIOND_SOURCE_ROOT/tests/data/patches"
BACKUP="$PROVISIOND_SOURCE_ROOT/data/examples/backup.xml"
BACKUP_URL="$PROVISION_TEST_HTTP_URL/backup.xml"
SLOW_BACKUP_URL="$PROVISION_TEST_HTTP_URL/slow/backup.xml"
REFUSED_URL="$PROVISION_TEST_CLOSED_URL/backup.xml"
ERROR_PREFIX='org\.provisiond\.Provisioning1\.Error\.'
PYTHON=/usr/bin/python3
WAIT_TENTHS=300

work_dir=$(mktemp -d)
monitor_pid=
monitor_synced=0
background_pid=
cleanup() {
        for pid in $monitor_pid $background_pid; do
                kill -KILL "$pid" 2>/dev/null
        done
        rm -rf "$work_dir"
}
trap cleanup EXIT
# A signal fails the test; exit runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

. "$(dirname "$0")/cli-checks.sh"

# Waits until no provisioning run is active (after start --no-wait).
wait_until_no_run() {
        tenths=0
        until "$PROVISIONCTL" status | grep -Eq '^ *State: idle$'; do
                tenths=$((tenths + 1))
                if [ "$tenths" -ge "$WAIT_TENTHS" ]; then
                        fail "the run did not end in time"
                        return 1
                fi
                sleep 0.1
        done
}

# start_monitor: starts "provisionctl monitor" in the background and returns
# once it receives signals. Nothing tells when its match is in place, so it
# applies the telephony merge and the backup in turn (each undoes the other,
# so every apply is a change) until the monitor prints a SectionApplied line.
# Leaves in $monitor_synced the number of lines printed until then: wait for
# the lines of a test with "wait_for monitor PATTERN $monitor_synced".
start_monitor() {
        "$PROVISIONCTL" monitor >"$work_dir/monitor" 2>&1 &
        monitor_pid=$!
        document=$BACKUP
        tenths=0
        until grep -q '^SectionApplied ' "$work_dir/monitor"; do
                if [ "$document" = "$BACKUP" ]; then
                        document=$PATCHES/telephony-merge.xml
                else
                        document=$BACKUP
                fi
                if ! "$PROVISIONCTL" apply "$document" >/dev/null 2>"$work_dir/err"; then
                        fail "apply $document failed: $(cat "$work_dir/err")"
                        break
                fi
                tenths=$((tenths + 1))
                if [ "$tenths" -ge "$WAIT_TENTHS" ]; then
                        fail "the monitor printed no SectionApplied: $(cat "$work_dir/monitor")"
                        break
                fi
                sleep 0.1
        done
        monitor_synced=$(wc -l <"$work_dir/monitor")
}

stop_monitor() {
        kill -TERM "$monitor_pid"
        wait "$monitor_pid"
        status=$?
        monitor_pid=
        [ "$status" -eq 0 ] || fail "monitor exited $status on SIGTERM"
}

test_usage_errors_exit_2() {
        run 2
        run 2 frobnicate
        run 2 apply
        run 2 apply one two
        run 2 status --no-such-option
        run 2 --system --session status
        run 2 start extra-argument
        run 2 start --no-such-option
        run 2 cancel extra-argument
}

test_version_and_help_exit_0() {
        run 0 --version
        expect_in out '^provisionctl [0-9]'
        run 0 --help
        expect_in out 'Exit status'
        expect_in out '^  start '
        expect_in out '^  cancel '
        run 0 start --help
        expect_in out '--url=URL'
        expect_in out '--no-wait'
}

test_unreachable_bus_exits_3() {
        run 3 --address unix:path="$work_dir/no-such-socket" status
}

test_status_lines() {
        run 0 status
        expect_in out '^ *State: (idle|running|applying)$'
        expect_in out '^ *Run id: (none|[0-9]+)$'
        expect_in out '^ *Progress: [0-9]+%$'
        expect_in out '^ *Last result: (none|success|failed)$'
        expect_in out '^ *Last run started: (never|[0-9]{4}-[0-9]{2}-[0-9]{2}T)'
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
for key in ("RunId", "Progress", "LastRunStarted", "LastRunFinished", "LastSuccess", "FilesFetched",
            "BytesFetched", "NextRun"):
    assert isinstance(status[key], int), key
assert isinstance(status["Trigger"], str)
assert isinstance(status["Url"], str)
EOF
}

test_apply_prints_changed_sections_then_no_changes() {
        # The settings are still the factory defaults: restoring the backup
        # (patchDefault="false") replaces every section it holds.
        sed -n 's/^  <\([A-Za-z]*\) version=.*/\1/p' "$BACKUP" | sort >"$work_dir/expected"
        [ -s "$work_dir/expected" ] || fail "no sections found in $BACKUP"
        run 0 apply "$BACKUP"
        grep -Evq '^[A-Za-z]+ [0-9.]+ replace$' "$work_dir/out" && fail "apply printed: $(cat "$work_dir/out")"
        cut -d ' ' -f 1 "$work_dir/out" | sort | cmp -s - "$work_dir/expected" ||
                fail "apply of the backup listed $(cat "$work_dir/out"), expected the sections $(cat "$work_dir/expected")"
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
        start_monitor
        # Restoring the backup makes the merge below a change, whatever ran before.
        run 0 apply "$BACKUP"
        run 0 apply "$PATCHES/telephony-merge.xml"
        wait_for monitor '^SectionApplied run=0 section=telephony version=[0-9.]+ how=merge$' "$monitor_synced"
        stop_monitor
}

test_monitor_prints_progress_finished_and_failed() {
        start_monitor
        run 0 start --url "$BACKUP_URL"
        wait_for monitor '^Progress run=[0-9]+ stage=downloading percent=[0-9]+ detail=.*backup\.xml' "$monitor_synced"
        wait_for monitor '^Finished run=[0-9]+ sections=[0-9]+$' "$monitor_synced"
        run 1 start --url "$REFUSED_URL"
        wait_for monitor "^Failed run=[0-9]+ error=${ERROR_PREFIX}Download message=." "$monitor_synced"
        stop_monitor
}

# ---- start and cancel ----------------------------------------------------------------------

test_start_prints_progress_changed_sections_and_finished() {
        # A change for the run to make, whatever ran before.
        run 0 apply "$PATCHES/telephony-merge.xml"
        run 0 start --url "$BACKUP_URL"
        expect_in out '^ *[0-9]+% downloading .*backup\.xml'
        expect_in out '^telephony [0-9.]+ (replace|merge)$'
        expect_in out '^Finished: [1-9][0-9]* section\(s\) changed$'
        # Not a terminal: plain lines, no bar redrawn in place.
        grep -q "$(printf '\r')" "$work_dir/out" && fail "start drew a progress bar into a file"
        run 0 start --url "$BACKUP_URL"
        expect_in out '^Finished: 0 section\(s\) changed$'
}

test_start_on_a_terminal_draws_a_progress_bar() {
        if ! command -v script >/dev/null; then
                echo "skipped: no script(1) for a terminal"
                return
        fi
        # script(1) runs it on a pseudo-terminal; -e passes the exit status on.
        TERM=xterm script -qec "'$PROVISIONCTL' start --url '$BACKUP_URL'" /dev/null >"$work_dir/out" 2>&1 ||
                fail "start on a terminal failed: $(cat "$work_dir/out")"
        expect_in out '\[[# ]{10}\] +[0-9]+% downloading '
        grep -q "$(printf '\033')\[K" "$work_dir/out" || fail "start did not redraw its bar in place"
        expect_in out 'Finished: [0-9]+ section\(s\) changed'
}

test_failed_start_exits_1_with_error_name() {
        run 1 start --url "$REFUSED_URL"
        expect_in err "^provisionctl: ${ERROR_PREFIX}Download: "
}

test_start_without_wait_prints_the_run_id() {
        run 0 start --no-wait --url "$BACKUP_URL"
        expect_in out '^[0-9]+$'
        run_id=$(cat "$work_dir/out")
        wait_until_no_run
        run 0 status
        expect_in out "^ *Run id: $run_id\$"
}

test_status_shows_the_last_run() {
        run 0 start --url "$BACKUP_URL" --trigger cli-test
        run 0 status
        expect_in out '^ *State: idle$'
        expect_in out '^ *Trigger: cli-test$'
        expect_in out "^ *Url: $BACKUP_URL\$"
        expect_in out '^ *Progress: 100%$'
        expect_in out '^ *Files fetched: 1$'
        expect_in out "^ *Bytes fetched: $(stat -c %s "$BACKUP")\$"
        expect_in out '^ *Last run finished: [0-9]{4}-[0-9]{2}-[0-9]{2}T'
        expect_in out '^ *Last success: [0-9]{4}-[0-9]{2}-[0-9]{2}T'
}

test_cancel_ends_a_waiting_start_with_cancelled() {
        "$PROVISIONCTL" start --url "$SLOW_BACKUP_URL" >"$work_dir/start-out" 2>"$work_dir/start-err" &
        background_pid=$!
        wait_for start-out '^ *[0-9]+% downloading '
        run 0 cancel
        wait "$background_pid"
        status=$?
        background_pid=
        [ "$status" -eq 1 ] || fail "start of a cancelled run exited $status, expected 1"
        expect_in start-err "^provisionctl: ${ERROR_PREFIX}Cancelled: "
}

test_start_during_a_run_joins_it() {
        run 0 start --no-wait --url "$SLOW_BACKUP_URL"
        first_id=$(cat "$work_dir/out")
        run 0 start --no-wait --url "$SLOW_BACKUP_URL"
        expect_in out "^$first_id\$"
        run 0 start --no-wait
        expect_in out "^$first_id\$"
        run 0 status
        expect_in out '^ *State: running$'
        run 0 cancel
        wait_until_no_run
}

test_start_with_another_url_during_a_run_exits_1_busy() {
        run 0 start --no-wait --url "$SLOW_BACKUP_URL"
        first_id=$(cat "$work_dir/out")
        run 1 start --url "$BACKUP_URL"
        expect_in err "^provisionctl: ${ERROR_PREFIX}Busy: run $first_id from .*/slow/backup\.xml is active"
        expect_in err "cancel'\$"
        run 0 status
        expect_in out '^ *State: running$'
        run 0 cancel
        wait_until_no_run
}

test_cancel_without_a_run_exits_1() {
        run 1 cancel
        expect_in err "^provisionctl: ${ERROR_PREFIX}NotRunning: "
}

# The factory defaults schedule a run every night; not active, there is none.
test_status_shows_the_next_run() {
        run 0 status
        expect_in out '^ *Next run: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \(schedule\)$'
        printf '<configuration><provisioning><active>false</active></provisioning></configuration>' \
                >"$work_dir/inactive.xml"
        printf '<configuration><provisioning><active>true</active></provisioning></configuration>' \
                >"$work_dir/active.xml"
        run 0 apply "$work_dir/inactive.xml"
        run 0 status
        expect_in out '^ *Next run: none$'
        run 0 apply "$work_dir/active.xml"
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
test_monitor_prints_progress_finished_and_failed
test_start_prints_progress_changed_sections_and_finished
test_start_on_a_terminal_draws_a_progress_bar
test_failed_start_exits_1_with_error_name
test_start_without_wait_prints_the_run_id
test_status_shows_the_last_run
test_cancel_ends_a_waiting_start_with_cancelled
test_start_during_a_run_joins_it
test_start_with_another_url_during_a_run_exits_1_busy
test_cancel_without_a_run_exits_1
test_status_shows_the_next_run

if [ "$failures" -ne 0 ]; then
        echo "provisionctl-cli: $failures failure(s)" >&2
        exit 1
fi
echo "provisionctl-cli: ok"
