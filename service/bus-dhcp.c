/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-dhcp.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bus-error.h"
#include "bus-service.h"
#include "dhcp-options.h"
#include "provision.h"
#include "url.h"

typedef struct {
        DhcpLeases *leases;
        Engine *engine;
} BusDhcp;

/* The options the DHCP source reads; the hooks may pass more, which are dropped. */
static gboolean is_kept_option(guint8 code) {
        return code == DHCP_OPTION_VENDOR || code == DHCP_OPTION_TFTP_SERVER || code == DHCP_OPTION_BOOTFILE;
}

/* Reads the a{ys} into @lease. Bad values: -EINVAL with PROV_ERROR_INVALID_ARGS in @error. */
static int read_options(sd_bus_message *message, DhcpLease *lease, GError **error) {
        const char *value;
        guint8 code;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{ys}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(message, "{ys}", &code, &value)) > 0) {
                if (strlen(value) > BUS_DHCP_MAX_VALUE_LENGTH) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS,
                                    "option %u is longer than %d bytes", code, BUS_DHCP_MAX_VALUE_LENGTH);
                        return -EINVAL;
                }
                /* The client had no value for it: the same as not passing it. */
                if (value[0] == '\0')
                        continue;
                if (!is_kept_option(code)) {
                        g_debug("DHCP %s: ignoring option %u", lease->interface, code);
                        continue;
                }
                dhcp_lease_set(lease, code, value);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

void bus_dhcp_log_finding(const DhcpLease *lease, const char *why) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) urls = NULL;
        g_autofree char *first = NULL;

        if (g_hash_table_size(lease->options) == 0) {
                g_message("DHCP %s: options forgotten", lease->interface);
                return;
        }
        urls = dhcp_options_provisioning_urls(lease, &error);
        if (urls == NULL) {
                g_message("DHCP %s: no provisioning URL (%s): %s", lease->interface,
                          dhcp_options_error_reason((DhcpOptionsError) error->code), error->message);
                return;
        }
        first = url_redact(g_ptr_array_index(urls, 0));
        g_message("DHCP %s: provisioning URL %s (%s)", lease->interface, first, why);
}

static int method_set_dhcp_options(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        BusDhcp *dhcp = userdata;
        g_autoptr(DhcpLease) lease = NULL;
        g_autoptr(GError) local_error = NULL;
        const char *interface;
        int r;

        r = sd_bus_message_read(message, "s", &interface);
        if (r < 0)
                return r;
        if (!dhcp_interface_name_valid(interface, &local_error))
                return bus_error_set_from_gerror(error, local_error);
        lease = dhcp_lease_new(interface);
        r = read_options(message, lease, &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        if (!dhcp_leases_set(dhcp->leases, lease, &local_error))
                return bus_error_set_from_gerror(error, local_error);
        bus_dhcp_log_finding(lease, "SetDhcpOptions");
        r = sd_bus_reply_method_return(message, NULL);
        engine_dhcp_options_changed(dhcp->engine);
        return r;
}

static const sd_bus_vtable dhcp_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("SetDhcpOptions", "sa{ys}", SD_BUS_PARAM(interface) SD_BUS_PARAM(options),
                                 "", , method_set_dhcp_options, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_dhcp_add(sd_bus *bus, DhcpLeases *leases, Engine *engine, sd_bus_slot **ret_slot) {
        g_autofree BusDhcp *dhcp = g_new0(BusDhcp, 1);
        int r;

        dhcp->leases = leases;
        dhcp->engine = engine;
        r = sd_bus_add_object_vtable(bus, ret_slot, BUS_PATH, BUS_INTERFACE, dhcp_vtable, dhcp);
        if (r < 0)
                return r;
        sd_bus_slot_set_destroy_callback(*ret_slot, g_free);
        g_steal_pointer(&dhcp);
        return r;
}
