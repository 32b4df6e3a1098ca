/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus adapter of Discover(): the preconditions and the URL sources without a run. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

/**
 * bus_discover_add:
 * Adds Discover to the object and interface of bus-service.h on @bus, as a
 * vtable of its own with @engine (borrowed; must outlive the slot). The reply
 * is sent when the discovery ends (engine_discover_async()). Returns the slot
 * in @ret_slot, or a negative errno.
 */
int bus_discover_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot);
