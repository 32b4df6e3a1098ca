/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery: where a run without a URL gets its provisioning URL. The seed's
 * fixed order (docs/discovery.md "Order"), each source only if enabled in the
 * provisioning section:
 *
 *   DHCP (/provisioning/dhcp)
 *     → the redirect service (/provisioning/redirect) ∥ SIP multicast PnP
 *       (/provisioning/pbx), concurrently: the first URL found wins, the
 *       other is cancelled
 *     → the configured /provisioning/url.
 *
 * Every source's URL goes through url_normalize_input(); markers are left in
 * (download.c replaces them after joining, with percent-encoding). What each
 * source said is kept as a finding, for the status (`Discovery`), the
 * NoSource message and `provisionctl discover`. Nothing here touches the
 * settings; the result goes up through the GAsyncReadyCallback only.
 */
#pragma once

#include <gio/gio.h>

#include "daemon-config.h"
#include "device.h"
#include "dhcp-leases.h"
#include "run-request.h"
#include "store.h"

/* The names of the sources in the findings, in the order they are asked (= run_source_name()). */
#define DISCOVERY_SOURCE_DHCP "dhcp"
#define DISCOVERY_SOURCE_REDIRECT "redirect"
#define DISCOVERY_SOURCE_MULTICAST "multicast"
#define DISCOVERY_SOURCE_CONFIGURED "configured"

/* What the sources need; all borrowed, all must outlive the discovery. */
typedef struct {
        Store *store; /* the provisioning section: dhcp, redirect, pbx, url (read when the discovery starts) */
        const DaemonConfig *config;   /* [Multicast], [Device] Vendor/FirmwareVersion */
        const DeviceIdentity *device; /* MAC and type for the multicast SUBSCRIBE */
        DhcpLeases *leases;           /* what the DHCP clients handed over; NULL: none */
        const char *user_agent;       /* for the redirect service; NULL: fetch.c's default */
} DiscoveryContext;

/* The outcome of one discovery. */
typedef struct {
        RunSource source; /* who found @url; meaningless when @url is NULL */
        char *url; /* the URL found (normalised, markers not replaced), or NULL: no source found one */
        GPtrArray *fallbacks; /* char*: further candidates of the same source to try in order if @url does
                               * not answer (DHCP's 66 without a scheme: https, then http); may be empty */
        GStrv findings; /* pairs: source name, what it said ("url …", "skipped: …", …); in asking order */
} DiscoveryResult;

void discovery_result_free(DiscoveryResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DiscoveryResult, discovery_result_free)

/**
 * discovery_result_no_source_error:
 * PROV_ERROR_NO_SOURCE whose message lists what each source said, e.g.
 * "no source found a provisioning URL: dhcp: skipped: /provisioning/dhcp is
 * false; redirect: …; multicast: no answer …; configured: none:
 * /provisioning/url is empty".
 */
GError *discovery_result_no_source_error(const DiscoveryResult *result);

/**
 * discovery_find_async:
 * Asks the sources in order (see above) on the thread-default main context.
 * @progress_cb (may be NULL) gets a short text for each source as it is
 * asked (e.g. "dhcp", "multicast 224.0.1.75:5060"). Callbacks never run
 * before this function has returned.
 */
void discovery_find_async(const DiscoveryContext *context, GCancellable *cancellable,
                          void (*progress_cb)(const char *detail, gpointer user_data),
                          GAsyncReadyCallback callback, gpointer user_data);

/**
 * discovery_find_finish:
 * Returns the result (transfer full): with a URL, or without one when no
 * source found any (see discovery_result_no_source_error()). NULL only with
 * G_IO_ERROR_CANCELLED.
 */
DiscoveryResult *discovery_find_finish(GAsyncResult *result, GError **error);

/**
 * discovery_dhcp_url:
 * The first URL the stored DHCP options give (interfaces by name), markers
 * not replaced, or NULL; for the "DHCP change" trigger, which compares it
 * with the one last used.
 */
char *discovery_dhcp_url(DhcpLeases *leases);
