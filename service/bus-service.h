/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus adapter: exports the Engine as org.provisiond.Provisioning1. No work is done here. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

#define BUS_NAME "org.provisiond.Provisioning1"
#define BUS_PATH "/org/provisiond/Provisioning1"
#define BUS_INTERFACE "org.provisiond.Provisioning1"

typedef struct BusService BusService;

/**
 * bus_service_new:
 * Exports @engine on @bus, routes its signals and status changes to the bus,
 * then requests the well-known name. Returns a negative errno on failure
 * (-EEXIST: another instance owns the name).
 */
int bus_service_new(sd_bus *bus, Engine *engine, BusService **ret);

void bus_service_free(BusService *service);
