/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whether the sender of a check-sync NOTIFY is on /provisioning/sip/allowlist.
 * An allowlistEntry (schema provisioning 1.34.0) is an IPv4 or IPv6 address,
 * a network written as an address with a prefix length ("192.168.10.0/24",
 * "2001:db8::/32"), or a host name. Addresses are compared as addresses
 * (GInetAddress), not as text: "::ffff:10.0.0.1" is 10.0.0.1, "[fe80::1]" and
 * "FE80:0::1" are fe80::1. Host names are compared as text, case-insensitively:
 * no name is resolved (see docs/sip-integration.md, "The allowlist").
 */
#pragma once

#include <gio/gio.h>
#include <libxml/tree.h>

/**
 * allowlist_parse_address:
 * The address in @text, or NULL if @text is not an address. Accepted: an
 * address, in brackets or not, with an optional ":PORT" after the brackets
 * (or after an IPv4 address) and an optional "%ZONE" (dropped). An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address.
 */
GInetAddress *allowlist_parse_address(const char *text);

/**
 * allowlist_entry_matches:
 * Whether @sender (as the SIP stack saw it: an address as above, or a host
 * name) matches @entry. An address entry matches the same address; a network
 * entry every address whose first PREFIX bits are the entry's (bits past the
 * prefix are ignored, so "192.168.10.7/24" is 192.168.10.0/24); a host name
 * entry matches a sender that is the same name, ignoring case and a trailing
 * dot. An entry that is none of these (a prefix longer than the address, a
 * name with a prefix) matches nothing.
 */
gboolean allowlist_entry_matches(const char *entry, const char *sender);

/**
 * allowlist_find:
 * The first allowlistEntry child of @allowlist (an <allowlist> element; NULL:
 * none) that @sender matches, as a new string, or NULL when none does.
 */
char *allowlist_find(const xmlNode *allowlist, const char *sender);
