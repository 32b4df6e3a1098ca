/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* URL markers (<MACADR> and {mac}, <SERIAL> and {serial}, <HWTYP> and {type}): one table. */
#pragma once

#include <glib.h>

#include "device.h"

/** markers_replace: @url with every marker replaced by the device's value (newly allocated). */
char *markers_replace(const char *url, const DeviceIdentity *device);

/**
 * markers_length_at:
 * The length of the marker (either spelling: <MACADR> or {mac}, …) that
 * starts @text of @length bytes, or 0 when none does.
 */
gsize markers_length_at(const char *text, gsize length);

/**
 * markers_escape_in_url_elements:
 * Vendor documents write <MACADR>, <SERIAL> and <HWTYP> unescaped inside
 * <URL> elements, which is not well-formed XML. Returns a copy of the decoded
 * (UTF-8) document text @text of @length bytes in which exactly those three
 * tokens, only in the content of <URL> elements, are replaced by their
 * {mac}/{serial}/{type} spelling; its length in @escaped_length. Every legal
 * spelling of the tags counts (`<URL >`, `<p:URL>`, `</URL >`, attributes); a
 * self-closing `<URL/>` has no content. Anything else is left as it is.
 */
char *markers_escape_in_url_elements(const char *text, gsize length, gsize *escaped_length);

/**
 * markers_describe_unescaped:
 * For a document that did not parse: if @text holds an unescaped marker
 * (<MACADR>, <SERIAL>, <HWTYP> without a matching end tag), a message naming
 * the first one, the element it stands in and its line; else NULL.
 */
char *markers_describe_unescaped(const char *text, gsize length);
