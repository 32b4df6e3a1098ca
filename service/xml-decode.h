/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding a document's bytes to UTF-8 before anything looks at them, so
 * that every later step (vendor markers, parsing) works on text, whatever
 * encoding the server or the file used.
 */
#pragma once

#include <glib.h>

/**
 * xml_decode_to_utf8:
 * The text of the XML document in @size bytes at @data, as UTF-8 without a
 * byte order mark; an encoding declaration in its XML declaration is
 * rewritten to "UTF-8" so that the parser does not convert again.
 *
 * The encoding is taken, in this order (RFC 7303 §3.2 and §8.5, XML 1.0
 * Appendix F): a byte order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE); else
 * @charset (the HTTP Content-Type charset parameter, NULL: none); else UTF-16
 * recognised from "<?" without a BOM; else the XML declaration's encoding;
 * else UTF-8.
 *
 * @what names the document in messages. Fails with PROV_ERROR_INVALID_FILE
 * naming the encoding and where it came from, for an unknown encoding or
 * bytes that are not valid in it. Returns a newly allocated, NUL-terminated
 * string; its length (without the NUL) in @length.
 */
char *xml_decode_to_utf8(const char *data, gsize size, const char *charset, const char *what, gsize *length,
                         GError **error);
