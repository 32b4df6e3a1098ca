/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reference documents (<referencedSettings> with <URL> children): the URLs they point to. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "device.h"

/**
 * reference_urls:
 * The URLs of the reference document @doc in document order, each normalised
 * (url_normalize_input()), with its markers replaced and resolved against
 * @base_url (the URL @doc was finally retrieved from). A blank <URL> is
 * skipped. Returns a NULL-terminated array (empty when every <URL> is blank),
 * or NULL with PROV_ERROR_INVALID_FILE (no <URL> children, another element,
 * element content) or PROV_ERROR_UNSUPPORTED_URL.
 */
GStrv reference_urls(xmlDoc *doc, const char *base_url, const DeviceIdentity *device, GError **error);
