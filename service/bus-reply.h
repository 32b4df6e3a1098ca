/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What several method handlers share: option dictionaries without keys, and the a(sss) reply of a change. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/**
 * bus_read_no_options:
 * Reads an a{sv} for which no key is defined: any key is
 * PROV_ERROR_INVALID_ARGS in @error (returns -EINVAL); other negative errno
 * values are sd-bus's own.
 */
int bus_read_no_options(sd_bus_message *message, GError **error);

/**
 * bus_reply_section_changes:
 * Answers the method call @message (a ref is taken over and released) with
 * the changed sections as a(sss) (SectionChange*, see apply-result.h), or,
 * when @changes is NULL, with @failure as a D-Bus error. For the handlers
 * that reply later (ApplyFile, Rollback); @method names the call in the log
 * when the reply cannot be sent.
 */
void bus_reply_section_changes(sd_bus_message *message, GPtrArray *changes, const GError *failure,
                               const char *method);
