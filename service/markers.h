/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* URL markers (<MACADR> and {mac}, <SERIAL> and {serial}, <HWTYP> and {type}): one table. */
#pragma once

#include <glib.h>

#include "device.h"

/** markers_replace: @url with every marker replaced by the device's value (newly allocated). */
char *markers_replace(const char *url, const DeviceIdentity *device);

/**
 * markers_escape_in_url_elements:
 * Vendor documents write <MACADR>, <SERIAL> and <HWTYP> unescaped inside
 * <URL> elements, which is not well-formed XML. Returns a copy of @data in
 * which exactly those three tokens, only between <URL> and </URL>, are
 * replaced by their {mac}/{serial}/{type} spelling. Anything else is left as is.
 */
GBytes *markers_escape_in_url_elements(GBytes *data);
