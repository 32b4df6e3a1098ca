/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is calling: what the bus policy grants, asked again where a reply depends on it. */
#pragma once

#include <systemd/sd-bus.h>

/* The group the bus policy lets change the settings (policy/, sysusers.d). */
#define BUS_PRIVILEGED_GROUP "provisioning"

/**
 * bus_caller_may_change_settings:
 * Whether the sender of @message is root or a member of BUS_PRIVILEGED_GROUP,
 * the callers the bus policy lets change the settings. Returns > 0 yes, 0 no,
 * or a negative errno when the sender's credentials cannot be read.
 */
int bus_caller_may_change_settings(sd_bus_message *message);
