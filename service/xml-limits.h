/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits checked on the raw bytes of a document before libxml2 parses it,
 * where libxml2's own cost is not linear in the input.
 */
#pragma once

#include <glib.h>

/* Attributes one element may carry. Settings elements carry a handful; libxml2
 * (2.9) checks an element's attributes for duplicates in time quadratic in their number. */
#define XML_LIMITS_MAX_ATTRIBUTES 256

/**
 * xml_limits_check_attributes:
 * Fails with PROV_ERROR_INVALID_FILE ("@what: an element has more than
 * XML_LIMITS_MAX_ATTRIBUTES attributes") when a start tag in @data holds more
 * than that many '=' outside quoted values. Comments, CDATA sections and
 * processing instructions are skipped. Linear in @size.
 */
gboolean xml_limits_check_attributes(const char *data, gsize size, const char *what, GError **error);
