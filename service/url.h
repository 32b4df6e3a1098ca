/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning URLs: URLs as people write them mapped to URIs, scheme check, relative resolution,
 * redaction of credentials. */
#pragma once

#include <glib.h>

/**
 * url_normalize_input:
 * The one normaliser for every place a URL enters provisiond: the
 * StartProvisioning `url` option, /provisioning/url, each <URL> of a reference
 * file, and every source added later (DHCP options, a redirect service, SIP
 * multicast) must pass what they read through it before anything else.
 * Leading and trailing ASCII whitespace (space, tab, LF, FF, CR; the WHATWG
 * URL Standard's set) is removed, as a URL pasted from a spreadsheet or
 * written on its own line carries it. Inside, the URL is mapped to a URI as
 * url_from_iri() does, except that markers (<MACADR>, {mac}, …; markers.h)
 * stay as written: they are replaced later, by values markers_replace()
 * percent-encodes. So "http://h/{type} Lab.xml" gives
 * "http://h/{type}%20Lab.xml". Returns the normalised copy, or NULL when
 * @input is NULL or blank: a blank URL means "no URL given", never an error.
 * Applying it twice gives the same string.
 */
char *url_normalize_input(const char *input);

/**
 * url_from_iri:
 * @iri as a URI, as browsers and curl send it (RFC 3987 § 3.1 step 2): each
 * byte of a non-ASCII character (UTF-8, as D-Bus, libxml2 and GLib hand text
 * over) becomes %XX, e.g. "Müller" → "M%C3%BCller", and so do space, " < >
 * \ ^ ` { | }, which no URI may hold, e.g. "Lab Phone" → "Lab%20Phone".
 * Everything else stays, '%' too: an encoded URL is not encoded twice ("%20"
 * stays "%20"), and a '%' without two hex digits after it is left for
 * url_check_fetchable() to refuse by name. Control characters stay for the
 * same reason. Returns a new string.
 */
char *url_from_iri(const char *iri);

/**
 * url_check_fetchable:
 * Fails with PROV_ERROR_UNSUPPORTED_URL unless @url is an absolute http or
 * https URL with a host, without control characters and without a '%' that
 * starts no percent-encoding (the message says which).
 */
gboolean url_check_fetchable(const char *url, GError **error);

/**
 * url_resolve:
 * Resolves @reference against @base (RFC 3986, GLib's GUri), e.g.
 * "first_file.xml" against "http://h/prov/references.xml" gives
 * "http://h/prov/first_file.xml". @reference is first mapped to a URI
 * (url_from_iri(): a <URL> or a Location may be written with spaces or
 * non-ASCII characters); absolute references are returned so mapped and
 * otherwise as they are. Fails with PROV_ERROR_UNSUPPORTED_URL when either
 * cannot be parsed.
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
