#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# provisionctl where the real daemon cannot be made to misbehave on demand: on
# a private dbus-daemon of its own (which it stops at the end), first with a
# daemon whose activation fails, then with standin-daemon.py (status keys of
# every type, a run that never ends, a long backup).
set -u

: "${PROVISIONCTL:?PROVISIONCTL must name the provisionctl binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

PYTHON=/usr/bin/python3
STANDIN="$PROVISIOND_SOURCE_ROOT/tests/client/standin-daemon.py"
BUS_NAME=org.provisiond.Provisioning1
WAIT_TENTHS=100
# Less than the 5 s between start's status checks: the loss of the bus itself must end the wait.
DISCONNECT_TENTHS=40

work_dir=$(mktemp -d)
bus_pid=
standin_pid=
monitor_pid=
start_pid=
cleanup() {
        for pid in $monitor_pid $start_pid $standin_pid $bus_pid; do
                kill -KILL "$pid" 2>/dev/null
        done
        rm -rf "$work_dir"
}
trap cleanup EXIT

. "$(dirname "$0")/cli-checks.sh"

# wait_for_exit PID TENTHS: waits until PID exits, at most TENTHS tenths of a
# second; leaves its exit status in $exit_status (none: it was still running).
wait_for_exit() {
        tenths=0
        while kill -0 "$1" 2>/dev/null; do
                tenths=$((tenths + 1))
                if [ "$tenths" -ge "$2" ]; then
                        exit_status=none
                        return 1
                fi
                sleep 0.1
        done
        wait "$1"
        exit_status=$?
}

# The bus activates a daemon whose program fails at once.
start_bus() {
        # Started again after a test stopped it: not the address of the last bus.
        rm -f "$work_dir/address"
        mkdir -p "$work_dir/services"
        cat >"$work_dir/services/$BUS_NAME.service" <<SERVICE
[D-BUS Service]
Name=$BUS_NAME
Exec=/bin/false
SERVICE
        cat >"$work_dir/bus.conf" <<CONFIG
<busconfig>
  <type>session</type>
  <listen>unix:dir=$work_dir</listen>
  <servicedir>$work_dir/services</servicedir>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <!-- as the session bus: everything may be sent, received and owned -->
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <!-- as the system policy for a user outside the provisioning group -->
    <deny send_destination="$BUS_NAME" send_interface="$BUS_NAME" send_member="Cancel"/>
  </policy>
</busconfig>
CONFIG
        dbus-daemon --config-file="$work_dir/bus.conf" --nofork --print-address=1 >"$work_dir/address" &
        bus_pid=$!
        wait_for address '^unix:' || exit 1
        address=$(head -n 1 "$work_dir/address")
        PROVISIONCTL_BUS="--address=$address"
}

start_standin() {
        # Emptied here: the background job's own redirection may come after wait_for looks.
        : >"$work_dir/standin"
        "$PYTHON" "$STANDIN" "$address" >"$work_dir/standin" &
        standin_pid=$!
        wait_for standin '^ready$' || exit 1
}

# Not the bus' "Spawn.ChildExited: Launch helper exited …" alone: what it means and what to do.
test_failed_activation_says_how_to_start_the_daemon() {
        run 3 status
        expect_in err '^provisionctl: provisiond is not running on the bus at unix:[^ ]+, and starting it failed: .+$'
        expect_in err "^Start it on that bus: DBUS_SYSTEM_BUS_ADDRESS=$address /.*/provisiond --system\$"
        [ "$(wc -l <"$work_dir/err")" -eq 2 ] || fail "expected 2 lines on stderr: $(cat "$work_dir/err")"
        run 3 status --json
        json_check out 'assert document["error"]["name"].startswith("org.freedesktop.DBus.Error.Spawn."), document
assert document["error"]["message"].startswith("provisiond is not running on the bus at unix:"), document
assert ", and starting it failed: " in document["error"]["message"], document'
}

# The bus policy refuses the call: say so, not the bus' list of match rules.
test_access_denied_says_who_may() {
        run 1 cancel
        expect_only err 'provisionctl: permission denied: needs root or the provisioning group'
}

test_version_shows_the_daemons() {
        run 0 --version
        expect_line out 'provisiond 9.9.9-standin'
        expect_in out '^provisionctl [0-9]'
        [ "$(wc -l <"$work_dir/out")" -eq 2 ] || fail "--version: expected 2 lines: $(cat "$work_dir/out")"
}

test_refusal_of_the_daemon_exits_1() {
        run 1 backup no-such-section
        expect_in err '^provisionctl: org\.freedesktop\.DBus\.Error\.InvalidArgs: unknown section$'
}

test_status_json_prints_keys_of_every_type() {
        run 0 status --json
        "$PYTHON" - "$work_dir/out" <<'PYTHON' || fail "status --json: $(cat "$work_dir/out")"
import json, sys
status = json.load(open(sys.argv[1]))
expected = {
    'State': 'running',
    'LastError': {'name': '', 'message': ''},
    'LastWarnings': [],
    'RunId': 7,
    'Counts': [1, -2, 3],
    'Labels': {'phone': 'D717', 'site': 'Lab'},
    'Pairs': [[1, 'one'], [2, 'two']],
    'Nested': 5,
    'Ratio': 0.5,
    'Small': 255,
    'Negative': -5,
    'Path': '/org/example',
    'ByNumber': {'1': ['a'], '2': []},
    'SourceStats': {'manual': {'Runs': 2}, 'satellite': {'Runs': 1}},
}
for key, value in expected.items():
    assert status.get(key) == value, (key, status.get(key))
PYTHON
}

test_output_that_cannot_be_written_exits_1() {
        if [ ! -w /dev/full ]; then
                echo "SKIP: no /dev/full" >&2
                return
        fi
        for command in status "status --json" backup; do
                # shellcheck disable=SC2086 # the command's words
                "$PROVISIONCTL" --address "$address" $command >/dev/full 2>"$work_dir/err"
                status=$?
                [ "$status" -eq 1 ] || fail "provisionctl $command >/dev/full exited $status, expected 1"
                expect_in err '^provisionctl: cannot write output: '
        done
}

# Both wait for signals that cannot come once the bus is gone.
test_monitor_and_start_exit_3_when_the_bus_stops() {
        "$PROVISIONCTL" --address "$address" monitor >"$work_dir/monitor" 2>"$work_dir/monitor-err" &
        monitor_pid=$!
        "$PROVISIONCTL" --address "$address" start >"$work_dir/start" 2>"$work_dir/start-err" &
        start_pid=$!
        # The stand-in's Progress signals show that both receive signals.
        wait_for monitor '^Progress run=7 ' || return
        wait_for start 'waiting' || return

        kill -TERM "$bus_pid"
        wait "$bus_pid"
        bus_pid=

        # A pid still running is left for cleanup() to kill.
        wait_for_exit "$monitor_pid" "$DISCONNECT_TENTHS" && monitor_pid=
        [ "$exit_status" = 3 ] || fail "monitor: exit status $exit_status after the bus stopped, expected 3"
        expect_in monitor-err '^provisionctl: lost the connection to the bus$'
        wait_for_exit "$start_pid" "$DISCONNECT_TENTHS" && start_pid=
        [ "$exit_status" = 3 ] || fail "start: exit status $exit_status after the bus stopped, expected 3"
        expect_in start-err '^provisionctl: lost the connection to the bus; run 7 may go on$'
}

# With --json, the end of the wait is one error object too: monitor's last line, start's only one.
test_json_of_monitor_and_start_when_the_bus_stops() {
        "$PROVISIONCTL" --address "$address" monitor --json >"$work_dir/monitor-json" 2>/dev/null &
        monitor_pid=$!
        wait_for monitor-json '"signal": "Progress"' || return
        "$PROVISIONCTL" --address "$address" start --json >"$work_dir/start-json" 2>/dev/null &
        start_pid=$!
        # start checks the run with GetStatus once it waits (after 5 s); the monitor asked before.
        wait_for standin '^StartProvisioning$' || return
        started_line=$(grep -n '^StartProvisioning$' "$work_dir/standin" | head -n 1 | cut -d: -f1)
        wait_for standin '^GetStatus$' "$started_line" || return

        kill -TERM "$bus_pid"
        wait "$bus_pid"
        bus_pid=

        wait_for_exit "$monitor_pid" "$DISCONNECT_TENTHS" && monitor_pid=
        [ "$exit_status" = 3 ] || fail "monitor --json: exit status $exit_status after the bus stopped, expected 3"
        json_check monitor-json 'assert lines[-1] == {"error": {"name": "org.freedesktop.DBus.Error.Disconnected",
    "message": "lost the connection to the bus"}}, lines[-1]'
        wait_for_exit "$start_pid" "$DISCONNECT_TENTHS" && start_pid=
        [ "$exit_status" = 3 ] || fail "start --json: exit status $exit_status after the bus stopped, expected 3"
        json_check start-json 'assert lines == [{"run_id": 7, "error": {"name": "org.freedesktop.DBus.Error.Disconnected",
    "message": "lost the connection to the bus; run 7 may go on"}}], lines'
}

start_bus
test_failed_activation_says_how_to_start_the_daemon
start_standin
test_access_denied_says_who_may
test_version_shows_the_daemons
test_refusal_of_the_daemon_exits_1
test_status_json_prints_keys_of_every_type
test_output_that_cannot_be_written_exits_1
test_monitor_and_start_exit_3_when_the_bus_stops
start_bus
start_standin
test_json_of_monitor_and_start_when_the_bus_stops

if [ "$failures" -ne 0 ]; then
        echo "provisionctl-standin: $failures failure(s)" >&2
        exit 1
fi
echo "provisionctl-standin: ok"
