/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dhcp-options.h"

#include <string.h>

G_DEFINE_QUARK(dhcp - options - error - quark, dhcp_options_error)

#define SUBOPTION_PAD 0x00
#define SUBOPTION_END 0xff

/* udhcpc passes this instead of an option 66 that is not a valid host name (e.g. a URL). */
#define UDHCPC_REFUSED_VALUE "bad"

/* Allowed in a URL as they are; the rest of printable ASCII and every byte of a non-ASCII character
 * is percent-encoded. '%' stays (values may be encoded already), <>{} stay for the markers. */
#define URL_KEPT_CHARACTERS "!#$%&'()*+,/:;=?@[]~<>{}"

static const char *const error_reasons[] = {
        [DHCP_OPTIONS_ERROR_BAD_HEX] = "bad-hex",
        [DHCP_OPTIONS_ERROR_OVERRUN] = "overrun",
        [DHCP_OPTIONS_ERROR_NOT_TEXT] = "not-text",
        [DHCP_OPTIONS_ERROR_NO_URL] = "no-url",
        [DHCP_OPTIONS_ERROR_BAD_URL] = "bad-url",
        [DHCP_OPTIONS_ERROR_UNSUPPORTED_SCHEME] = "unsupported-scheme",
};

const char *dhcp_options_error_reason(DhcpOptionsError code) {
        if ((guint) code >= G_N_ELEMENTS(error_reasons))
                return NULL;
        return error_reasons[code];
}

void dhcp_option43_free(DhcpOption43 *option43) {
        if (option43 == NULL)
                return;
        g_free(option43->tftp_server);
        g_free(option43->bootfile);
        g_free(option43);
}

/* ---- hex ---------------------------------------------------------------------------------- */

/* Appends the byte one or two hex digits at @group spell. */
static gboolean decode_group(const char *group, gsize length, GByteArray *bytes, GError **error) {
        int high = length == 2 ? g_ascii_xdigit_value(group[0]) : 0;
        int low = length >= 1 ? g_ascii_xdigit_value(group[length - 1]) : -1;
        guint8 byte;

        if (length == 0 || length > 2) {
                g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_BAD_HEX,
                            length == 0 ? "option 43: an empty hex group" :
                                          "option 43: a hex group longer than one byte");
                return FALSE;
        }
        if (high < 0 || low < 0) {
                g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_BAD_HEX,
                            "option 43: '%.*s' is not hex", (int) length, group);
                return FALSE;
        }
        byte = (guint8) (high << 4 | low);
        g_byte_array_append(bytes, &byte, 1);
        return TRUE;
}

GBytes *dhcp_hex_decode(const char *text, GError **error) {
        g_autoptr(GByteArray) bytes = g_byte_array_new();
        g_autofree char *trimmed = g_strstrip(g_strdup(text));

        if (strchr(trimmed, ':') == NULL) {
                /* Plain hex: an even number of digits, one byte each two. */
                gsize length = strlen(trimmed);
                if (length % 2 != 0) {
                        g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_BAD_HEX,
                                    "option 43: an odd number of hex digits (%zu)", length);
                        return NULL;
                }
                for (gsize i = 0; i < length; i += 2)
                        if (!decode_group(trimmed + i, 2, bytes, error))
                                return NULL;
        } else {
                /* Colon hex: one byte per group of one or two digits. */
                g_auto(GStrv) groups = g_strsplit(trimmed, ":", -1);
                for (gsize i = 0; groups[i] != NULL; i++)
                        if (!decode_group(groups[i], strlen(groups[i]), bytes, error))
                                return NULL;
        }
        return g_byte_array_free_to_bytes(g_steal_pointer(&bytes));
}

/* Hex spelling: nothing but hex digits and colons (surrounding whitespace aside). */
static gboolean is_hex_spelling(const char *text) {
        g_autofree char *trimmed = g_strstrip(g_strdup(text));

        for (const char *c = trimmed; *c != '\0'; c++)
                if (!g_ascii_isxdigit(*c) && *c != ':')
                        return FALSE;
        return TRUE;
}

/* ISC dhclient's text spelling of the bytes (common/options.c pretty_print_option()):
 * a backslash before '"', '\'', '$', '`' and '\\', "\ooo" (octal) for other bytes. */
static GBytes *dhclient_text_decode(const char *text) {
        g_autoptr(GByteArray) bytes = g_byte_array_new();

        for (const char *c = text; *c != '\0'; c++) {
                guint8 byte = (guint8) *c;
                if (c[0] == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' && c[2] <= '7' &&
                    c[3] >= '0' && c[3] <= '7') {
                        byte = (guint8) ((c[1] - '0') << 6 | (c[2] - '0') << 3 | (c[3] - '0'));
                        c += 3;
                } else if (c[0] == '\\' && c[1] != '\0') {
                        byte = (guint8) * ++c;
                }
                g_byte_array_append(bytes, &byte, 1);
        }
        return g_byte_array_free_to_bytes(g_steal_pointer(&bytes));
}

GBytes *dhcp_option43_decode(const char *text, gboolean *is_text_spelling, GError **error) {
        *is_text_spelling = !is_hex_spelling(text);
        if (*is_text_spelling)
                return dhclient_text_decode(text);
        return dhcp_hex_decode(text, error);
}

/* ---- option 43 ---------------------------------------------------------------------------- */

static gboolean is_text(const guint8 *data, gsize length) {
        for (gsize i = 0; i < length; i++)
                if (data[i] < 0x20 || data[i] > 0x7e)
                        return FALSE;
        return TRUE;
}

/* A sub-option's value as text: trailing NULs dropped (the vendor's layout counts one), trimmed. */
static char *suboption_text(guint8 code, const guint8 *data, gsize length, GError **error) {
        g_autofree char *text = NULL;

        while (length > 0 && data[length - 1] == 0)
                length--;
        if (!is_text(data, length)) {
                g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_NOT_TEXT,
                            "option 43: sub-option 0x%02x holds bytes that are not text", code);
                return NULL;
        }
        text = g_strstrip(g_strndup((const char *) data, length));
        return *text == '\0' ? NULL : g_steal_pointer(&text);
}

static gboolean store_suboption(DhcpOption43 *option43, guint8 code, const guint8 *data, gsize length,
                                GError **error) {
        char **field = code == DHCP_SUBOPTION_TFTP_SERVER ? &option43->tftp_server :
                code == DHCP_SUBOPTION_BOOTFILE           ? &option43->bootfile :
                                                            NULL;
        g_autoptr(GError) local_error = NULL;
        char *text;

        if (field == NULL)
                return TRUE; /* another vendor's sub-option */
        text = suboption_text(code, data, length, &local_error);
        if (local_error != NULL) {
                g_propagate_error(error, g_steal_pointer(&local_error));
                return FALSE;
        }
        g_free(*field);
        *field = text;
        return TRUE;
}

DhcpOption43 *dhcp_option43_parse(const char *text, GError **error) {
        gboolean is_text_spelling = FALSE;
        g_autoptr(GBytes) bytes = dhcp_option43_decode(text, &is_text_spelling, error);
        g_autoptr(DhcpOption43) option43 = NULL;
        const guint8 *data;
        gsize size, position = 0;

        if (bytes == NULL)
                return NULL;
        data = g_bytes_get_data(bytes, &size);
        option43 = g_new0(DhcpOption43, 1);
        while (position < size) {
                guint8 code = data[position++];
                gsize length;

                if (code == SUBOPTION_PAD)
                        continue;
                if (code == SUBOPTION_END)
                        break;
                if (position >= size) {
                        g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_OVERRUN,
                                    "option 43: sub-option 0x%02x at byte %zu has no length", code,
                                    position - 1);
                        return NULL;
                }
                length = data[position++];
                /* dhclient's text spelling drops a trailing NUL: the vendor's layout
                 * then claims one byte more than is left in its last sub-option. */
                if (is_text_spelling && length == size - position + 1)
                        length--;
                if (length > size - position) {
                        g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_OVERRUN,
                                    "option 43: sub-option 0x%02x at byte %zu claims %zu bytes, %zu are left",
                                    code, position - 2, length, size - position);
                        return NULL;
                }
                if (!store_suboption(option43, code, data + position, length, error))
                        return NULL;
                position += length;
        }
        return g_steal_pointer(&option43);
}

/* ---- the lease ---------------------------------------------------------------------------- */

DhcpLease *dhcp_lease_new(const char *interface) {
        DhcpLease *lease = g_new0(DhcpLease, 1);

        lease->interface = g_strdup(interface);
        lease->options = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        return lease;
}

void dhcp_lease_set(DhcpLease *lease, guint8 code, const char *value) {
        g_hash_table_replace(lease->options, GUINT_TO_POINTER(code), g_strdup(value));
}

const char *dhcp_lease_get(const DhcpLease *lease, guint8 code) {
        return g_hash_table_lookup(lease->options, GUINT_TO_POINTER(code));
}

void dhcp_lease_free(DhcpLease *lease) {
        if (lease == NULL)
                return;
        g_free(lease->interface);
        g_hash_table_unref(lease->options);
        g_free(lease);
}

/* ---- joining 66 and 67 -------------------------------------------------------------------- */

/* @value trimmed, or NULL when it is absent or blank. */
static char *present_value(const char *value) {
        g_autofree char *trimmed = value != NULL ? g_strstrip(g_strdup(value)) : NULL;

        if (trimmed == NULL || *trimmed == '\0')
                return NULL;
        return g_steal_pointer(&trimmed);
}

/* Printable, in UTF-8: a file or path named with non-ASCII characters is percent-encoded as in any
 * URL that enters (RFC 3987 section 3.1, add_candidate()); control characters and bytes that are no
 * UTF-8 are not text. */
static gboolean is_printable_utf8(const char *value) {
        if (!g_utf8_validate(value, -1, NULL))
                return FALSE;
        for (const char *at = value; *at != '\0'; at++)
                if ((guchar) *at < 0x20 || *at == 0x7f)
                        return FALSE;
        return TRUE;
}

static gboolean check_text(int code, const char *value, GError **error) {
        if (value == NULL || is_printable_utf8(value))
                return TRUE;
        g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_NOT_TEXT,
                    "option %d holds characters that are not printable text (control characters or bytes "
                    "that are not UTF-8)",
                    code);
        return FALSE;
}

/* Takes 66 and 67 from option 43 when it carries either, else from the plain options. */
static gboolean pick_server_and_file(const DhcpLease *lease, char **server, char **file, GError **error) {
        g_autofree char *vendor = present_value(dhcp_lease_get(lease, DHCP_OPTION_VENDOR));

        if (vendor != NULL) {
                g_autoptr(DhcpOption43) option43 = dhcp_option43_parse(vendor, error);
                if (option43 == NULL)
                        return FALSE;
                if (option43->tftp_server != NULL || option43->bootfile != NULL) {
                        *server = g_steal_pointer(&option43->tftp_server);
                        *file = g_steal_pointer(&option43->bootfile);
                        return TRUE;
                }
        }
        *server = present_value(dhcp_lease_get(lease, DHCP_OPTION_TFTP_SERVER));
        *file = present_value(dhcp_lease_get(lease, DHCP_OPTION_BOOTFILE));
        if (*server != NULL && g_str_equal(*server, UDHCPC_REFUSED_VALUE))
                g_clear_pointer(server, g_free);
        return check_text(DHCP_OPTION_TFTP_SERVER, *server, error) &&
                check_text(DHCP_OPTION_BOOTFILE, *file, error);
}

/* The length of @value's "scheme://" prefix, 0 if it has none (RFC 3986 §3.1). */
static gsize scheme_length(const char *value) {
        gsize i = 0;

        if (!g_ascii_isalpha(value[0]))
                return 0;
        while (g_ascii_isalnum(value[i]) || value[i] == '+' || value[i] == '-' || value[i] == '.')
                i++;
        return g_str_has_prefix(value + i, "://") ? i + 3 : 0;
}

/* @server and @file with exactly one '/' between them. */
static char *join_path(const char *server, const char *file) {
        g_autofree char *head = g_strdup(server);
        gsize length = strlen(head);

        if (file == NULL)
                return g_steal_pointer(&head);
        while (length > 0 && head[length - 1] == '/')
                head[--length] = '\0';
        while (*file == '/')
                file++;
        return g_strconcat(head, "/", file, NULL);
}

static gboolean add_candidate(GPtrArray *urls, const char *url, GError **error) {
        g_autofree char *escaped = g_uri_escape_string(url, URL_KEPT_CHARACTERS, FALSE);
        g_autofree char *scheme = g_uri_parse_scheme(escaped);

        if (scheme == NULL) {
                g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_BAD_URL, "'%s' is not a URL",
                            escaped);
                return FALSE;
        }
        if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
                g_set_error(error, DHCP_OPTIONS_ERROR, DHCP_OPTIONS_ERROR_UNSUPPORTED_SCHEME,
                            "'%s': only http and https are fetched", escaped);
                return FALSE;
        }
        g_ptr_array_add(urls, g_steal_pointer(&escaped));
        return TRUE;
}

GPtrArray *dhcp_options_provisioning_urls(const DhcpLease *lease, GError **error) {
        g_autofree char *server = NULL;
        g_autofree char *file = NULL;
        g_autofree char *joined = NULL;
        g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);

        if (!pick_server_and_file(lease, &server, &file, error))
                return NULL;
        if (file != NULL && scheme_length(file) > 0)
                return add_candidate(urls, file, error) ? g_steal_pointer(&urls) : NULL;
        if (server == NULL) {
                g_set_error(error, DHCP_OPTIONS_ERROR,
                            file == NULL ? DHCP_OPTIONS_ERROR_NO_URL : DHCP_OPTIONS_ERROR_BAD_URL,
                            file == NULL ? "no option 66, 67 or 43 (sub-options 0x42/0x43)" :
                                           "option 67 '%s' has no scheme and there is no option 66",
                            file);
                return NULL;
        }
        joined = join_path(server, file);
        if (scheme_length(server) > 0)
                return add_candidate(urls, joined, error) ? g_steal_pointer(&urls) : NULL;
        /* Older phones tried https, then http (then tftp, which provisiond does not fetch). */
        for (gsize i = 0; i < 2; i++) {
                g_autofree char *url = g_strconcat(i == 0 ? "https://" : "http://", joined, NULL);
                if (!add_candidate(urls, url, error))
                        return NULL;
        }
        return g_steal_pointer(&urls);
}
