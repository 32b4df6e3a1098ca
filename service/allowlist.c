/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "allowlist.h"

#include <string.h>

#include "xml-cleanup.h"
#include "xml-parse.h"

#define IPV4_BITS 32
#define IPV6_BITS 128
/* ::ffff:0:0/96, RFC 4291 section 2.5.5.2 */
#define MAPPED_PREFIX_BYTES 12

static gboolean is_port(const char *text) {
        return *text != '\0' && strspn(text, "0123456789") == strlen(text) && strlen(text) <= 5;
}

/* The host part of "[host]", "[host]:port", "a.b.c.d:port", "name:port" or "host" (newly allocated). */
static char *strip_port(const char *text) {
        const char *close;
        const char *colon;

        if (text[0] == '[') {
                close = strchr(text, ']');
                if (close == NULL || (close[1] != '\0' && (close[1] != ':' || !is_port(close + 2))))
                        return NULL;
                return g_strndup(text + 1, close - text - 1);
        }
        colon = strchr(text, ':');
        /* One colon: host and port; more: a bare IPv6 address. */
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
                if (!is_port(colon + 1))
                        return NULL;
                return g_strndup(text, colon - text);
        }
        return g_strdup(text);
}

/* Takes @address; returns it, or the IPv4 address it maps. */
static GInetAddress *unmap_ipv4(GInetAddress *address) {
        static const guint8 mapped_prefix[MAPPED_PREFIX_BYTES] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        g_autoptr(GInetAddress) mapped = address;
        const guint8 *bytes = g_inet_address_to_bytes(mapped);

        if (g_inet_address_get_family(mapped) != G_SOCKET_FAMILY_IPV6 ||
            memcmp(bytes, mapped_prefix, MAPPED_PREFIX_BYTES) != 0)
                return g_steal_pointer(&mapped);
        return g_inet_address_new_from_bytes(bytes + MAPPED_PREFIX_BYTES, G_SOCKET_FAMILY_IPV4);
}

/* "[addr]" -> "addr", "addr%zone" -> "addr", in place. */
static char *strip_brackets_and_zone(char *text) {
        gsize length = strlen(text);
        char *zone;

        if (length >= 2 && text[0] == '[' && text[length - 1] == ']') {
                memmove(text, text + 1, length - 2);
                text[length - 2] = '\0';
        }
        zone = strchr(text, '%');
        if (zone != NULL)
                *zone = '\0';
        return text;
}

GInetAddress *allowlist_parse_address(const char *text) {
        g_autofree char *host = NULL;
        GInetAddress *address;

        if (text == NULL)
                return NULL;
        host = strip_port(text);
        if (host == NULL)
                return NULL;
        address = g_inet_address_new_from_string(strip_brackets_and_zone(host));
        if (address == NULL)
                return NULL;
        return unmap_ipv4(address);
}

static gboolean prefix_matches(const guint8 *a, const guint8 *b, guint bits) {
        guint full_bytes = bits / 8;
        guint rest = bits % 8;
        guint8 mask;

        if (memcmp(a, b, full_bytes) != 0)
                return FALSE;
        if (rest == 0)
                return TRUE;
        mask = (guint8) (0xff << (8 - rest));
        return (a[full_bytes] & mask) == (b[full_bytes] & mask);
}

/* "address/prefix": the network's address and prefix length, IPv4-mapped networks as IPv4. */
static GInetAddress *parse_network(const char *entry, guint *prefix_bits) {
        const char *prefix_text = entry + strcspn(entry, "/");
        g_autofree char *address_text = g_strndup(entry, prefix_text - entry);
        g_autoptr(GInetAddress) address = NULL;
        guint64 prefix = 0;
        guint max_bits;

        if (*prefix_text == '/' &&
            !g_ascii_string_to_unsigned(prefix_text + 1, 10, 0, IPV6_BITS, &prefix, NULL))
                return NULL;
        address = g_inet_address_new_from_string(strip_brackets_and_zone(address_text));
        if (address == NULL)
                return NULL;
        max_bits = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4 ? IPV4_BITS : IPV6_BITS;
        if (*prefix_text != '/')
                prefix = max_bits;
        if (prefix > max_bits)
                return NULL;
        address = unmap_ipv4(g_steal_pointer(&address));
        /* A mapped network with a prefix inside ::ffff:0:0/96 is an IPv4 network. */
        if (max_bits == IPV6_BITS && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
                prefix = prefix >= IPV6_BITS - IPV4_BITS ? prefix - (IPV6_BITS - IPV4_BITS) : 0;
        *prefix_bits = (guint) prefix;
        return g_steal_pointer(&address);
}

static gboolean address_in_network(GInetAddress *sender, GInetAddress *network, guint prefix_bits) {
        if (g_inet_address_get_family(sender) != g_inet_address_get_family(network))
                return FALSE;
        return prefix_matches(g_inet_address_to_bytes(sender), g_inet_address_to_bytes(network), prefix_bits);
}

/* A host name as configured and as sent, without a trailing dot (the root). */
static char *normalize_name(const char *name) {
        gsize length = strlen(name);

        if (length > 1 && name[length - 1] == '.')
                length--;
        return g_ascii_strdown(name, (gssize) length);
}

static gboolean names_match(const char *entry, const char *sender) {
        g_autofree char *sender_host = strip_port(sender);
        g_autofree char *entry_name = NULL;
        g_autofree char *sender_name = NULL;

        if (sender_host == NULL || *entry == '\0' || strchr(entry, '/') != NULL)
                return FALSE;
        entry_name = normalize_name(entry);
        sender_name = normalize_name(sender_host);
        return g_str_equal(entry_name, sender_name);
}

gboolean allowlist_entry_matches(const char *entry, const char *sender) {
        g_autofree char *trimmed = g_strstrip(g_strdup(entry));
        g_autoptr(GInetAddress) sender_address = allowlist_parse_address(sender);
        g_autoptr(GInetAddress) network = NULL;
        guint prefix_bits = 0;

        network = parse_network(trimmed, &prefix_bits);
        if (network != NULL)
                return sender_address != NULL && address_in_network(sender_address, network, prefix_bits);
        /* Looks like an address but is not a valid one: never a name either. */
        if (strpbrk(trimmed, ":/[") != NULL || strspn(trimmed, "0123456789.") == strlen(trimmed))
                return FALSE;
        return sender_address == NULL && names_match(trimmed, sender);
}

char *allowlist_find(const xmlNode *allowlist, const char *sender) {
        if (allowlist == NULL)
                return NULL;
        for (xmlNode *entry = xml_first_element_child(allowlist); entry != NULL;
             entry = xml_next_element(entry)) {
                g_autoptr(XmlString) text = NULL;

                if (!g_str_equal(xml_node_name(entry), "allowlistEntry"))
                        continue;
                text = xmlNodeGetContent(entry);
                if (text != NULL && allowlist_entry_matches((const char *) text, sender))
                        return g_strstrip(g_strdup((const char *) text));
        }
        return NULL;
}
