/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning URLs: scheme check, relative resolution, redaction of credentials. */
#pragma once

#include <glib.h>

/**
 * url_check_fetchable:
 * Fails with PROV_ERROR_UNSUPPORTED_URL unless @url is an absolute http or
 * https URL with a host.
 */
gboolean url_check_fetchable(const char *url, GError **error);

/**
 * url_resolve:
 * Resolves @reference against @base (RFC 3986, GLib's GUri), e.g.
 * "first_file.xml" against "http://h/prov/references.xml" gives
 * "http://h/prov/first_file.xml". Absolute references are returned as they
 * are. Fails with PROV_ERROR_UNSUPPORTED_URL when either cannot be parsed.
 */
char *url_resolve(const char *base, const char *reference, GError **error);

/**
 * url_has_scheme:
 * Whether @reference starts with a scheme and ':' (RFC 3986 § 3.1), i.e. is
 * absolute. Unlike g_uri_peek_scheme(), which interns every scheme it sees
 * for the life of the process (memory an untrusted server could grow
 * without bound), it keeps nothing.
 */
gboolean url_has_scheme(const char *reference);

/**
 * url_redact:
 * @url without user name and password, for logs, signals and properties.
 * Returns a copy of @url if it cannot be parsed, with everything up to an
 * '@' in the authority dropped.
 */
char *url_redact(const char *url);
