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

# Waits until a provisioning run is active.
wait_for_active_run() {
        tenths=0
        until "$PROVISIONCTL" status | grep -Eq '^ *State: running$'; do
                tenths=$((tenths + 1))
                if [ "$tenths" -ge "$WAIT_TENTHS" ]; then
                        fail "no run became active in time"
                        return 1
                fi
                sleep 0.1
        done
}

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
        expect_in out '--json'
        # the global options, which may follow the command
        expect_in out '--address=ADDRESS'
        expect_in out '--system'
}

# provisionctl --version: its own version, then the running daemon's (its Version
# property; provisionctl-standin.sh checks a daemon whose version differs).
test_version_shows_the_daemon() {
        local version
        version=$(sed -n "s/^  version : '\(.*\)',\$/\1/p" "$PROVISIOND_SOURCE_ROOT/meson.build")
        run 0 --version
        expect_only out "provisionctl $version
provisiond $version"
}

test_global_options_after_the_command() {
        run 0 status --system
        expect_in out '^ *State: '
        run 0 backup telephony --system
        expect_in out '<telephony'
        run 3 status --address unix:path="$work_dir/no-such-socket"
        run 2 status --system --session
        expect_line err 'provisionctl: --system, --session and --address exclude each other'
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
        expect_in err "^provisionctl: $PATCHES/invalid-value\\.xml: ${ERROR_PREFIX}Validation: "
        run 1 apply "$PATCHES/reference.xml"
        expect_in err "^provisionctl: $PATCHES/reference\\.xml: ${ERROR_PREFIX}ReferenceNotAllowed: "
}

# A file that cannot be read is the client's error, not the daemon's: no error name.
test_apply_of_a_missing_file_names_it() {
        run 1 apply "$work_dir/no-such-file.xml"
        expect_only err "provisionctl: cannot open $work_dir/no-such-file.xml: No such file or directory"
}

test_apply_of_a_directory_names_it() {
        run 1 apply "$work_dir"
        expect_only err "provisionctl: cannot apply $work_dir: Is a directory"
}

# "-" is stdin, whether a file or a pipe; a named pipe works too. The daemon
# takes regular files only: provisionctl passes a sealed memfd of what it read.
test_apply_from_stdin_and_pipes() {
        run 0 apply "$BACKUP"
        "$PROVISIONCTL" apply - <"$PATCHES/telephony-merge.xml" >"$work_dir/out" 2>"$work_dir/err" ||
                fail "apply - <file failed: $(cat "$work_dir/err")"
        expect_in out '^telephony [0-9.]+ merge$'
        run 0 apply "$BACKUP"
        cat "$PATCHES/telephony-merge.xml" | "$PROVISIONCTL" apply - >"$work_dir/out" 2>"$work_dir/err" ||
                fail "a pipe into apply - failed: $(cat "$work_dir/err")"
        expect_in out '^telephony [0-9.]+ merge$'
        run 0 apply "$BACKUP"
        mkfifo "$work_dir/fifo"
        cat "$PATCHES/telephony-merge.xml" >"$work_dir/fifo" &
        run 0 apply "$work_dir/fifo"
        wait
        rm -f "$work_dir/fifo"
        expect_in out '^telephony [0-9.]+ merge$'
        # a refusal names stdin
        printf '<telephony>' | "$PROVISIONCTL" apply - >"$work_dir/out" 2>"$work_dir/err"
        expect_in err "^provisionctl: stdin: ${ERROR_PREFIX}InvalidFile: "
}

test_apply_json_lists_the_changed_sections() {
        run 0 apply "$BACKUP"
        run 0 apply --json "$PATCHES/telephony-merge.xml"
        json_check out '
assert len(lines) == 1, lines
assert set(document) == {"changed", "warnings"}, document
assert [sorted(change) for change in document["changed"]] == [["how", "section", "version"]], document
change = document["changed"][0]
assert (change["section"], change["how"]) == ("telephony", "merge"), change
assert isinstance(change["version"], str) and change["version"], change
assert document["warnings"] == [], document
'
        run 0 apply --json "$PATCHES/telephony-merge.xml"
        expect_only out '{"changed": [], "warnings": []}'
        run 0 apply "$BACKUP"
        run 0 apply --json "$PATCHES/unknown-element.xml"
        json_check out '
assert [change["section"] for change in document["changed"]] == ["telephony"], document
assert len(document["warnings"]) >= 1 and all(isinstance(w, str) for w in document["warnings"]), document
'
        [ -s "$work_dir/err" ] && fail "apply --json also wrote to stderr: $(cat "$work_dir/err")"
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

# The message names the file the user gave, not the temporary file beside it.
test_backup_into_a_missing_directory_names_the_file() {
        run 1 backup -o "$work_dir/no-such-dir/x.xml"
        expect_only err "provisionctl: cannot write $work_dir/no-such-dir/x.xml: No such file or directory"
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

# Free text (detail, message) is quoted, so that a line splits at its spaces.
test_monitor_prints_progress_finished_and_failed() {
        start_monitor
        run 0 start --url "$BACKUP_URL"
        wait_for monitor '^Progress run=[0-9]+ stage=downloading percent=[0-9]+ detail="[^"]*backup\.xml"$' "$monitor_synced"
        wait_for monitor '^Finished run=[0-9]+ sections=[0-9]+$' "$monitor_synced"
        run 1 start --url "$REFUSED_URL"
        wait_for monitor "^Failed run=[0-9]+ error=${ERROR_PREFIX}Download message=\"[^\"]+.*\"\$" "$monitor_synced"
        stop_monitor
}

# One JSON object per signal and line, with numbers as numbers.
test_monitor_json_prints_one_object_per_signal() {
        "$PROVISIONCTL" monitor --json >"$work_dir/monitor" 2>&1 &
        monitor_pid=$!
        # As start_monitor: apply until the monitor shows it is subscribed.
        document=$BACKUP
        tenths=0
        until grep -q '"SectionApplied"' "$work_dir/monitor"; do
                [ "$document" = "$BACKUP" ] && document=$PATCHES/telephony-merge.xml || document=$BACKUP
                "$PROVISIONCTL" apply "$document" >/dev/null 2>&1
                tenths=$((tenths + 1))
                [ "$tenths" -lt "$WAIT_TENTHS" ] || { fail "monitor --json printed nothing"; break; }
                sleep 0.1
        done
        run 0 start --url "$BACKUP_URL"
        wait_for monitor '"signal": "Finished"'
        run 1 start --url "$REFUSED_URL"
        wait_for monitor '"signal": "Failed"'
        stop_monitor
        json_check monitor '
keys = {
    "SectionApplied": {"signal", "run_id", "section", "version", "how"},
    "Progress": {"signal", "run_id", "stage", "percent", "detail"},
    "Finished": {"signal", "run_id", "sections_changed"},
    "Failed": {"signal", "run_id", "error"},
}
seen = set()
for line in lines:
    assert set(line) == keys[line["signal"]], line
    assert isinstance(line["run_id"], int), line
    seen.add(line["signal"])
    if line["signal"] == "Progress":
        assert isinstance(line["percent"], int) and isinstance(line["detail"], str), line
    if line["signal"] == "Finished":
        assert isinstance(line["sections_changed"], int), line
    if line["signal"] == "Failed":
        assert set(line["error"]) == {"name", "message"}, line
        assert line["error"]["name"] == "org.provisiond.Provisioning1.Error.Download", line
assert seen == set(keys), seen
'
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

test_start_json_prints_the_result() {
        run 0 apply "$PATCHES/telephony-merge.xml"
        run 0 start --json --url "$BACKUP_URL"
        json_check out '
assert len(lines) == 1, lines
assert set(document) == {"run_id", "result", "sections_changed", "changed", "warnings"}, document
assert isinstance(document["run_id"], int) and document["result"] == "finished", document
assert document["sections_changed"] == len(document["changed"]) >= 1, document
assert all(set(change) == {"section", "version", "how"} for change in document["changed"]), document
assert "telephony" in [change["section"] for change in document["changed"]], document
assert document["warnings"] == [], document
'
        run 1 start --json --url "$REFUSED_URL"
        json_check out '
assert set(document) == {"run_id", "result", "error"}, document
assert document["result"] == "failed", document
assert document["error"]["name"] == "org.provisiond.Provisioning1.Error.Download", document
assert document["error"]["message"], document
'
        expect_in err "^provisionctl: ${ERROR_PREFIX}Download: "
        run 0 start --json --no-wait --url "$BACKUP_URL"
        json_check out 'assert set(document) == {"run_id"} and isinstance(document["run_id"], int), document'
        wait_until_no_run
}

# provisionctl prints no colour, on a terminal or not; NO_COLOR is honoured by definition.
test_no_colour_on_a_terminal() {
        if ! command -v script >/dev/null; then
                echo "skipped: no script(1) for a terminal"
                return
        fi
        TERM=xterm script -qec "'$PROVISIONCTL' status" /dev/null >"$work_dir/out" 2>&1 ||
                fail "status on a terminal failed: $(cat "$work_dir/out")"
        expect_in out 'State: '
        grep -q "$(printf '\033')\[[0-9;]*m" "$work_dir/out" && fail "status printed colour codes"
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
        # A URL no earlier run fetched: the body arrives whole, not as a 304 with the cache's copy.
        local url="$BACKUP_URL?first-fetch"
        run 0 start --url "$url" --trigger cli-test
        run 0 status
        expect_in out '^ *State: idle$'
        expect_in out '^ *Trigger: cli-test$'
        expect_in out "^ *Url: $BACKUP_URL\\?first-fetch\$"
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
        # a cancelled run is not a failed one
        run 0 status
        expect_line out '        Last result: cancelled'
        expect_in out "^ *Last error: ${ERROR_PREFIX}Cancelled: "
        run 0 status --json
        json_check out 'assert document["LastResult"] == "cancelled", document'
}

test_start_json_of_a_cancelled_run() {
        "$PROVISIONCTL" start --json --url "$SLOW_BACKUP_URL" >"$work_dir/start-out" 2>"$work_dir/start-err" &
        background_pid=$!
        wait_for_active_run || return
        run 0 cancel
        wait "$background_pid"
        background_pid=
        json_check start-out '
assert document["result"] == "cancelled", document
assert document["error"]["name"] == "org.provisiond.Provisioning1.Error.Cancelled", document
'
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
test_version_shows_the_daemon
test_global_options_after_the_command
test_unreachable_bus_exits_3
test_status_lines
test_status_json_is_an_object_of_the_status_keys
test_apply_prints_changed_sections_then_no_changes
test_apply_refused_document_exits_1_with_error_name
test_apply_of_a_missing_file_names_it
test_apply_of_a_directory_names_it
test_apply_from_stdin_and_pipes
test_apply_json_lists_the_changed_sections
test_apply_prints_warnings_on_stderr
test_backup_to_stdout_and_to_file
test_backup_into_a_missing_directory_names_the_file
test_backup_of_unknown_section_exits_1
test_monitor_prints_section_applied_and_exits_0_on_sigterm
test_monitor_prints_progress_finished_and_failed
test_monitor_json_prints_one_object_per_signal
test_start_prints_progress_changed_sections_and_finished
test_start_json_prints_the_result
test_no_colour_on_a_terminal
test_start_on_a_terminal_draws_a_progress_bar
test_failed_start_exits_1_with_error_name
test_start_without_wait_prints_the_run_id
test_status_shows_the_last_run
test_cancel_ends_a_waiting_start_with_cancelled
test_start_json_of_a_cancelled_run
test_start_during_a_run_joins_it
test_start_with_another_url_during_a_run_exits_1_busy
test_cancel_without_a_run_exits_1
test_status_shows_the_next_run

if [ "$failures" -ne 0 ]; then
        echo "provisionctl-cli: $failures failure(s)" >&2
        exit 1
fi
echo "provisionctl-cli: ok"
