/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From GError (engine) to sd_bus_error (bus edge), through the shared error table. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/**
 * bus_error_set_from_gerror:
 * Sets @bus_error to @error's D-Bus name (prov_error_get_dbus_name(), the
 * same name a Failed signal carries) with @error's message. Returns a negative errno, for returning from a method handler.
 */
int bus_error_set_from_gerror(sd_bus_error *bus_error, const GError *error);
