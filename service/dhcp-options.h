/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DHCP options 66, 67 and 43 as DHCP clients hand them to their hooks, turned into provisioning URLs. */
#pragma once

#include <glib.h>

/* The option codes provisiond reads (RFC 2132 §9.4, §9.5, §8.4). */
#define DHCP_OPTION_VENDOR 43      /* vendor-encapsulated options, as hex text */
#define DHCP_OPTION_TFTP_SERVER 66 /* "TFTP server name": on phones the provisioning server or a full URL */
#define DHCP_OPTION_BOOTFILE 67    /* "bootfile name": the file, or a full URL */

/* Sub-options of option 43 that stand for 66 and 67 (DOMAIN.md: the vendor's layout). */
#define DHCP_SUBOPTION_TFTP_SERVER 0x42
#define DHCP_SUBOPTION_BOOTFILE 0x43

#define DHCP_OPTIONS_ERROR (dhcp_options_error_quark())
GQuark dhcp_options_error_quark(void);

/* Why the DHCP options gave no URL. Each is the reason the DHCP source reports. */
typedef enum {
        DHCP_OPTIONS_ERROR_BAD_HEX,            /* option 43 is not hex (odd digit count, stray characters) */
        DHCP_OPTIONS_ERROR_OVERRUN,            /* a sub-option's length runs past the end of option 43 */
        DHCP_OPTIONS_ERROR_NOT_TEXT,           /* a value holds bytes that are not printable ASCII */
        DHCP_OPTIONS_ERROR_NO_URL,             /* neither 66, 67 nor 43's sub-options name a server */
        DHCP_OPTIONS_ERROR_BAD_URL,            /* the joined URL does not parse, or 67 alone is relative */
        DHCP_OPTIONS_ERROR_UNSUPPORTED_SCHEME, /* a scheme other than http or https */
} DhcpOptionsError;

/**
 * dhcp_options_error_reason:
 * The short name of a DHCP_OPTIONS_ERROR code, for the status: "bad-hex",
 * "overrun", "not-text", "no-url", "bad-url", "unsupported-scheme"; NULL for
 * an unknown code.
 */
const char *dhcp_options_error_reason(DhcpOptionsError code);

/* The values option 43 carried for 66 and 67 (NULL: sub-option absent). */
typedef struct {
        char *tftp_server;
        char *bootfile;
} DhcpOption43;

void dhcp_option43_free(DhcpOption43 *option43);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DhcpOption43, dhcp_option43_free)

/**
 * dhcp_hex_decode:
 * Decodes option bytes as DHCP clients spell them: colon-separated hex with
 * or without zero padding ("42:0b:68", dhclient's "42:b:68"), or plain hex
 * ("420b68", udhcpc and dhcpcd). Upper and lower case; surrounding
 * whitespace is ignored. Returns the bytes, or NULL with
 * DHCP_OPTIONS_ERROR_BAD_HEX (odd digit count, an empty or over-long group,
 * a non-hex character).
 */
GBytes *dhcp_hex_decode(const char *text, GError **error);

/**
 * dhcp_option43_decode:
 * The bytes of option 43 in any spelling DHCP clients use: hex as in
 * dhcp_hex_decode() when @text holds nothing but hex digits and colons;
 * otherwise ISC dhclient's text spelling, which it uses when every byte is
 * printable (a trailing NUL aside, which it drops): the bytes as they are,
 * '"', '\'', '$', '`' and '\\' escaped with a backslash, other bytes as
 * "\ooo" (octal). @is_text_spelling tells which. NULL with BAD_HEX.
 */
GBytes *dhcp_option43_decode(const char *text, gboolean *is_text_spelling, GError **error);

/**
 * dhcp_option43_parse:
 * Reads the sub-options of option 43 given as @text (any spelling of
 * dhcp_option43_decode()). Blocks are <code> <length> <bytes>; code 0 is a pad byte
 * without length, code 255 ends the option. Every layout seen in the wild
 * (DOMAIN.md) reads the same: the vendor's (length counts a trailing NUL),
 * dnsmasq's (no NUL, 0xFF at the end), ISC dhcpd's (no NUL, no end).
 *
 * In dhclient's text spelling a last sub-option one byte short is taken as
 * the vendor's layout without the NUL dhclient dropped.
 *
 * Values lose trailing NUL bytes and surrounding whitespace; a blank value
 * counts as absent. Unknown sub-options are skipped; a repeated one: the
 * last wins. Errors: BAD_HEX, OVERRUN (a length past the end), NOT_TEXT (a
 * byte of 0x42/0x43 outside printable ASCII, NUL inside the value included).
 * Returns a new DhcpOption43 (possibly with both fields NULL) or NULL.
 */
DhcpOption43 *dhcp_option43_parse(const char *text, GError **error);

/* What a DHCP client handed over for one interface: code → text value. */
typedef struct {
        char *interface;
        GHashTable *options; /* GUINT_TO_POINTER(code) → char * (owned) */
} DhcpLease;

/** dhcp_lease_new: an empty lease of @interface. */
DhcpLease *dhcp_lease_new(const char *interface);

/** dhcp_lease_set: stores a copy of @value for @code (replacing any). */
void dhcp_lease_set(DhcpLease *lease, guint8 code, const char *value);

/** dhcp_lease_get: the value of @code, or NULL. */
const char *dhcp_lease_get(const DhcpLease *lease, guint8 code);

void dhcp_lease_free(DhcpLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DhcpLease, dhcp_lease_free)

/**
 * dhcp_options_provisioning_urls:
 * The provisioning URLs @lease points at, to try in order (a new array of
 * strings; never empty). Rules (DOMAIN.md, docs/discovery.md "DHCP"):
 * - option 43 wins: if it carries sub-option 0x42 or 0x43, those two stand
 *   for 66 and 67 and the plain options 66/67 are not used; an option 43
 *   that does not parse fails the whole source (its reason in @error);
 * - values are trimmed; blank values, and udhcpc's "bad" in 66 (it passes
 *   that instead of a URL), count as absent;
 * - 67 with a scheme ("http://…") stands alone;
 * - otherwise 66 and 67 are joined with exactly one '/';
 * - 66 without a scheme gives two candidates: https://…, then http://…;
 * - only http and https are fetched;
 * - characters that may not appear in a URL (space, '"', '\', '^', '`',
 *   '|', non-ASCII cannot occur) are percent-encoded; '%' is kept (a value
 *   may be encoded already), and so are '<', '>', '{', '}': the caller
 *   replaces the markers (<MACADR>, {mac}, …) afterwards, which
 *   percent-encodes the values it inserts.
 * Returns NULL with a DHCP_OPTIONS_ERROR naming the reason.
 */
GPtrArray *dhcp_options_provisioning_urls(const DhcpLease *lease, GError **error);
