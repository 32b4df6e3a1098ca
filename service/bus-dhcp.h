/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus adapter of SetDhcpOptions: what the DHCP client hooks hand over goes to DhcpLeases. */
#pragma once

#include <systemd/sd-bus.h>

#include "dhcp-leases.h"
#include "engine.h"

/* The largest option value accepted, in bytes: option 43 as colon hex is three
 * characters a byte, and RFC 3396 lets a client join split options. */
#define BUS_DHCP_MAX_VALUE_LENGTH 4096

/**
 * bus_dhcp_add:
 * Adds SetDhcpOptions to the object and interface of bus-service.h on @bus,
 * as a vtable of its own with @leases and @engine (borrowed; must outlive the
 * slot). Stored options go to engine_dhcp_options_changed() (the "DHCP
 * change" trigger). Returns the slot in @ret_slot, or a negative errno.
 */
int bus_dhcp_add(sd_bus *bus, DhcpLeases *leases, Engine *engine, sd_bus_slot **ret_slot);

/**
 * bus_dhcp_log_finding:
 * Logs one line with what the DHCP source would find in @lease now: its
 * first candidate URL (credentials redacted) or the reason there is none.
 * @why says what brought the lease (the method, a restart).
 */
void bus_dhcp_log_finding(const DhcpLease *lease, const char *why);
