/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus adapter of CheckSync and its LastCheckSync property: options in, check-sync.h does the rest. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

/**
 * bus_check_sync_add:
 * Adds CheckSync and the LastCheckSync property to the object and interface
 * of bus-service.h on @bus, as a vtable of its own with @engine (borrowed;
 * must outlive the slot) as its user data. Returns the slot in @ret_slot, or
 * a negative errno.
 */
int bus_check_sync_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot);
