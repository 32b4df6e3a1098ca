#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages render without warnings, and provisionctl(1) and
# docs/dbus-api.md describe every command "provisionctl --help" lists.
# Arguments: the generated man pages.
set -u

: "${PROVISIONCTL:?PROVISIONCTL must name the provisionctl binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

failures=0
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

for page in "$@"; do
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        [ -z "$warnings" ] || fail "$(basename "$page") renders with warnings: $warnings"
        MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME' || fail "$(basename "$page") has no NAME"
done

commands=$("$PROVISIONCTL" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$commands" ] || fail "provisionctl --help lists no commands"
for command in $commands; do
        grep -q "^\*$command\*" "$PROVISIOND_SOURCE_ROOT/docs/man/provisionctl.1.scd" ||
                fail "docs/man/provisionctl.1.scd does not describe the command $command"
        grep -q "^| \`$command[ \`]" "$PROVISIOND_SOURCE_ROOT/docs/dbus-api.md" ||
                fail "docs/dbus-api.md does not describe the command $command"
done

if [ "$failures" -ne 0 ]; then
        echo "man-pages: $failures failure(s)" >&2
        exit 1
fi
echo "man-pages: ok"
