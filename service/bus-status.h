/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status properties of the bus object, and GetStatus, from one table. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

/**
 * bus_status_get_property:
 * sd-bus property getter for every status property; userdata is the Engine.
 */
int bus_status_get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);

/** bus_status_append_all: appends GetStatus' a{sv} to @reply: every status property but SourceStats. */
int bus_status_append_all(sd_bus_message *reply, const Engine *engine);
