#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion of provisionctl (data/completion/provisionctl, as meson
# configured it): commands, options of a command, section names for backup.
set -u

: "${PROVISIONCTL:?PROVISIONCTL must name the provisionctl binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"
: "${PROVISIOND_BUILD_ROOT:?PROVISIOND_BUILD_ROOT must name the build tree}"

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
if [ ! -r "$BASH_COMPLETION" ]; then
        echo "SKIP: no $BASH_COMPLETION"
        exit 77
fi

# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source=/dev/null
source "$PROVISIOND_BUILD_ROOT/data/provisionctl"
# The source tree's schemas, not the installed ones.
_provisionctl_releases_conf="$PROVISIOND_SOURCE_ROOT/schemas/releases.conf"
# The completion asks the provisionctl it completes for its commands and options.
PATH="$(dirname "$PROVISIONCTL"):$PATH"

failures=0

# expect_completion EXPECTED WORD...: completing the last WORD of the command
# line WORD... offers exactly EXPECTED (space-separated, in order).
expect_completion() {
        local expected=$1
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _provisionctl
        if [[ "${COMPREPLY[*]}" != "$expected" ]]; then
                echo "FAIL: completing \"$*\" offered \"${COMPREPLY[*]}\", expected \"$expected\"" >&2
                failures=$((failures + 1))
        fi
}

expect_completion "status start" provisionctl st
expect_completion "status start cancel apply backup monitor dhcp check-sync discover history rollback diff" provisionctl ""
expect_completion "cancel" provisionctl --system ca
expect_completion "cancel" provisionctl --address unix:path=/run/x ca
expect_completion "telephony templates" provisionctl backup te
expect_completion "identities" provisionctl backup telephony id
expect_completion "--no-wait" provisionctl start --no
expect_completion "--json" provisionctl status --j
expect_completion "--output=" provisionctl backup --ou
expect_completion "--sender=" provisionctl check-sync --sen
expect_completion "--address=" provisionctl --add
expect_completion "--address=" provisionctl monitor --add

if ((failures != 0)); then
        echo "provisionctl-completion: $failures failure(s)" >&2
        exit 1
fi
echo "provisionctl-completion: ok"
