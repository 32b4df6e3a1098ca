/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A GSource that dispatches an sd_bus from a GLib main loop. Shared by the
 * daemon and libprovision; the thread that runs the context owns the bus.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/**
 * prov_bus_source_new:
 * Returns a new, unattached GSource that keeps a reference on @bus and calls
 * sd_bus_process() whenever the bus fd is ready or an sd-bus timeout expires.
 *
 * When processing fails (typically: the peer closed the connection), the
 * callback set with g_source_set_callback() is called once, as a GSourceFunc,
 * and the source is removed.
 */
GSource *prov_bus_source_new(sd_bus *bus);
