/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SIP multicast PnP source: SUBSCRIBE to the PnP group, take the URL of the first valid NOTIFY. */
#pragma once

#include <gio/gio.h>

#define MULTICAST_DEFAULT_GROUP "224.0.1.75" /* RFC 6080 §4.1: sip.mcast.net */
#define MULTICAST_DEFAULT_PORT 5060
#define MULTICAST_DEFAULT_WAIT_MS 5000
/* RFC 3261 §17.1.2.2: retransmit a non-INVITE request after T1, then doubling. */
#define MULTICAST_T1_MS 500

#define MULTICAST_SOURCE_ERROR (multicast_source_error_quark())
GQuark multicast_source_error_quark(void);

typedef enum {
        MULTICAST_SOURCE_ERROR_NO_ANSWER, /* no valid NOTIFY within the wait; the message lists what was ignored */
        MULTICAST_SOURCE_ERROR_NETWORK, /* no socket, no address on the interface, or the SUBSCRIBE cannot be sent */
        MULTICAST_SOURCE_ERROR_CONFIG, /* the configuration cannot make a SUBSCRIBE (group, MAC, identity) */
} MulticastSourceError;

/* What the source needs to know. Strings are copied by multicast_source_new(). */
typedef struct {
        const char *group; /* IPv4 multicast group; NULL: MULTICAST_DEFAULT_GROUP */
        guint16 port;      /* 0: MULTICAST_DEFAULT_PORT */
        const char *interface; /* send and bind on this interface's IPv4 address; NULL: the routing table's choice */
        guint wait_ms;         /* how long to wait for the NOTIFY, in ms; 0: MULTICAST_DEFAULT_WAIT_MS */
        gboolean https_only; /* refuse http URLs (the answer is unauthenticated, see docs/discovery.md) */
        const char *vendor;  /* Event header vendor="…" */
        const char *model;   /* Event header model="…": the device type, e.g. "D200" */
        const char *version; /* Event header version="…": the firmware version */
        const char *mac;     /* the phone's MAC, any common notation */
} MulticastConfig;

typedef struct MulticastSource MulticastSource;

MulticastSource *multicast_source_new(const MulticastConfig *config);
void multicast_source_free(MulticastSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MulticastSource, multicast_source_free)

/**
 * multicast_source_find_async:
 * Sends the SUBSCRIBE from a fresh UDP socket (ephemeral port, multicast
 * TTL 1) to the group, retransmits it after T1, 2·T1, 4·T1 … until the wait
 * ends, answers the first NOTIFY carrying an http(s) URL with 200 OK and
 * completes with it. Runs on the thread-default main context; no threads.
 * @source must outlive the call. Cancelling @cancellable completes it with
 * G_IO_ERROR_CANCELLED at once.
 */
void multicast_source_find_async(MulticastSource *source, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);

/**
 * multicast_source_find_finish:
 * @responder: (out) (optional) "address:port" the NOTIFY came from
 * Returns: (transfer full) the provisioning URL, or NULL with @error:
 *   MULTICAST_SOURCE_ERROR_NO_ANSWER (the message names the group, the wait
 *   and every ignored message with its sender and reason),
 *   MULTICAST_SOURCE_ERROR_NETWORK, MULTICAST_SOURCE_ERROR_CONFIG or
 *   G_IO_ERROR_CANCELLED.
 */
char *multicast_source_find_finish(MulticastSource *source, GAsyncResult *result, char **responder,
                                   GError **error);
