/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a document from a file descriptor handed over the bus, bounded. */
#pragma once

#include <glib.h>

/**
 * fd_read_document:
 * Reads the regular file behind @fd (from its current offset, through a
 * duplicate) up to @max_size bytes. Anything that is not a regular file, or
 * larger than @max_size, fails with PROV_ERROR_INVALID_FILE.
 */
GBytes *fd_read_document(int fd, guint64 max_size, GError **error);
