/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: option 43 as a DHCP client hands it over (any spelling), parsed and joined
 * into provisioning URLs. Whatever the input: no crash, no leak, and an error always has a reason. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "dhcp-options.h"

static void parse_option43(const char *text) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DhcpOption43) option43 = dhcp_option43_parse(text, &error);

        g_assert((option43 == NULL) == (error != NULL));
        if (error != NULL)
                g_assert(error->domain == DHCP_OPTIONS_ERROR && error->message[0] != '\0');
}

static void join_urls(const char *text) {
        g_autoptr(DhcpLease) lease = dhcp_lease_new("eth0");
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) urls = NULL;

        dhcp_lease_set(lease, DHCP_OPTION_VENDOR, text);
        dhcp_lease_set(lease, DHCP_OPTION_TFTP_SERVER, "prov.example");
        dhcp_lease_set(lease, DHCP_OPTION_BOOTFILE, "{mac}.xml");
        urls = dhcp_options_provisioning_urls(lease, &error);
        g_assert((urls == NULL) == (error != NULL));
        g_assert(urls == NULL || urls->len > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* What reaches the parser is a D-Bus string: no NUL inside, at most 4096 bytes. */
        g_autofree char *text = NULL;

        if (size > 4096 || memchr(data, '\0', size) != NULL)
                return 0;
        text = g_strndup((const char *) data, size);
        parse_option43(text);
        join_urls(text);
        return 0;
}
