/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who this phone is: MAC, serial number and device type, used in URL markers and the User-Agent. */
#pragma once

#include <glib.h>

typedef struct {
        char *mac;    /* upper case hex, no colons, e.g. "00095200000E"; "" if unknown */
        char *serial; /* "" if unknown */
        char *type;   /* e.g. "D200"; "" if unknown */
} DeviceIdentity;

/**
 * device_identity_load:
 * @mac: configured MAC in any common notation, or NULL to read it from
 *   /sys/class/net/@interface/address (@sysfs_root prefixes that path; NULL: "/")
 * Fails with G_IO_ERROR_INVALID_DATA for a MAC that is not 12 hex digits.
 */
DeviceIdentity *device_identity_load(const char *mac, const char *serial, const char *type, const char *interface,
                                     const char *sysfs_root, GError **error);

/** device_identity_normalize_mac: "00:09:52:00:00:0e" -> "00095200000E", NULL if not a MAC. */
char *device_identity_normalize_mac(const char *mac);

void device_identity_free(DeviceIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DeviceIdentity, device_identity_free)
