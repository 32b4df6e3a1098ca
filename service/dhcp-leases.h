/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DHCP options each interface's DHCP client handed over, kept in the runtime directory. */
#pragma once

#include <glib.h>

#include "dhcp-options.h"

/* Below the runtime directory (/run/provisiond): one file per interface. */
#define DHCP_LEASES_SUBDIR "dhcp"

typedef struct DhcpLeases DhcpLeases;

/**
 * dhcp_leases_new:
 * Leases kept in @directory (e.g. /run/provisiond/dhcp), one GKeyFile per
 * interface named after it; nothing is read until dhcp_leases_load().
 * The directory is created (0700) on the first write.
 */
DhcpLeases *dhcp_leases_new(const char *directory);

void dhcp_leases_free(DhcpLeases *leases);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DhcpLeases, dhcp_leases_free)

/**
 * dhcp_leases_load:
 * Reads every lease file of the directory (a daemon restart keeps what the
 * DHCP clients told the last one). A missing directory holds no leases.
 * A file that is not a lease (bad name, unreadable, malformed) is skipped
 * with a warning. FALSE only when the directory exists but cannot be listed.
 */
gboolean dhcp_leases_load(DhcpLeases *leases, GError **error);

/**
 * dhcp_interface_name_valid:
 * The kernel's rule for interface names (net/core/dev.c dev_valid_name()):
 * 1 to 15 bytes, not "." or "..", no '/', ':' or whitespace. Also the rule
 * that keeps the lease file inside its directory. PROV_ERROR_INVALID_ARGS.
 */
gboolean dhcp_interface_name_valid(const char *name, GError **error);

/**
 * dhcp_leases_set:
 * Replaces the options of @lease's interface with @lease's: written
 * atomically (temporary file, fsync, rename) before the copy in memory
 * changes; a lease without options deletes the interface's file (lease
 * lost). Errors: PROV_ERROR_INVALID_ARGS for a bad interface name, a
 * G_FILE_ERROR when the file cannot be written or removed (nothing changed).
 * @lease is copied.
 */
gboolean dhcp_leases_set(DhcpLeases *leases, const DhcpLease *lease, GError **error);

/** dhcp_leases_lookup: the options of @interface, or NULL (owned by @leases). */
const DhcpLease *dhcp_leases_lookup(DhcpLeases *leases, const char *interface);

/** dhcp_leases_list: every lease, sorted by interface name (a new array of borrowed pointers). */
GPtrArray *dhcp_leases_list(DhcpLeases *leases);
