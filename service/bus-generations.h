/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus adapter of the settings generations: ListGenerations, Rollback, DiffGenerations. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

/**
 * bus_generations_add:
 * Adds the methods to the object and interface of bus-service.h on @bus, as a
 * vtable of its own with @engine (borrowed; must outlive the slot) as its
 * user data. Returns the slot in @ret_slot, or a negative errno.
 */
int bus_generations_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot);
