/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SIP multicast PnP source: one UDP socket on the main loop, a SUBSCRIBE, retransmits, the NOTIFY. */
#include "source-multicast.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sip-message.h"
#include "url.h"

G_DEFINE_QUARK(multicast - source - error - quark, multicast_source_error)

/* How many ignored messages the NoAnswer reason lists by sender and reason; more are only counted. */
#define MULTICAST_MAX_LISTED_IGNORED 8

struct MulticastSource {
        char *group;
        guint16 port;
        char *interface;
        guint wait_ms;
        gboolean https_only;
        char *vendor;
        char *model;
        char *version;
        char *mac;
};

/* One lookup: the task's data, freed when the task is. */
typedef struct {
        MulticastSource *source; /* borrowed */
        GSocket *socket;
        GSocketAddress *group_address;
        GSource *receive_source;
        GSource *retransmit_source;
        GSource *wait_source;
        GSource *cancel_source;
        char *subscribe;
        gsize subscribe_length;
        char *call_id;
        guint32 cseq;
        guint retransmit_ms;
        char *answered_by;  /* who sent a 2xx to the SUBSCRIBE, for the reason */
        GPtrArray *ignored; /* "sender: reason" */
        guint ignored_count;
} Lookup;

typedef struct {
        char *url;
        char *responder;
} Answer;

MulticastSource *multicast_source_new(const MulticastConfig *config) {
        MulticastSource *source = g_new0(MulticastSource, 1);

        source->group = g_strdup(config->group != NULL ? config->group : MULTICAST_DEFAULT_GROUP);
        source->port = config->port != 0 ? config->port : MULTICAST_DEFAULT_PORT;
        source->interface = g_strdup(config->interface);
        source->wait_ms = config->wait_ms != 0 ? config->wait_ms : MULTICAST_DEFAULT_WAIT_MS;
        source->https_only = config->https_only;
        source->vendor = g_strdup(config->vendor);
        source->model = g_strdup(config->model);
        source->version = g_strdup(config->version);
        source->mac = g_strdup(config->mac);
        return source;
}

void multicast_source_free(MulticastSource *source) {
        if (source == NULL)
                return;
        g_free(source->group);
        g_free(source->interface);
        g_free(source->vendor);
        g_free(source->model);
        g_free(source->version);
        g_free(source->mac);
        g_free(source);
}

static void source_destroy(GSource **source) {
        if (*source == NULL)
                return;
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
}

static void lookup_stop(Lookup *lookup) {
        source_destroy(&lookup->receive_source);
        source_destroy(&lookup->retransmit_source);
        source_destroy(&lookup->wait_source);
        source_destroy(&lookup->cancel_source);
        if (lookup->socket != NULL)
                g_socket_close(lookup->socket, NULL);
}

static void lookup_free(Lookup *lookup) {
        lookup_stop(lookup);
        g_clear_object(&lookup->socket);
        g_clear_object(&lookup->group_address);
        g_free(lookup->subscribe);
        g_free(lookup->call_id);
        g_free(lookup->answered_by);
        g_ptr_array_unref(lookup->ignored);
        g_free(lookup);
}

static void answer_free(Answer *answer) {
        g_free(answer->url);
        g_free(answer->responder);
        g_free(answer);
}

/* Ends the lookup once: no source fires after this, the task holds the only reference left. */
static void lookup_return_error(GTask *task, GError *error) {
        lookup_stop(g_task_get_task_data(task));
        g_task_return_error(task, error);
        g_object_unref(task);
}

static void lookup_return_answer(GTask *task, Answer *answer) {
        lookup_stop(g_task_get_task_data(task));
        g_task_return_pointer(task, answer, (GDestroyNotify) answer_free);
        g_object_unref(task);
}

static char *socket_address_to_string(GSocketAddress *address) {
        g_autofree char *host = NULL;

        if (!G_IS_INET_SOCKET_ADDRESS(address))
                return g_strdup("(unknown)");
        host = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
        return g_strdup_printf("%s:%u", host, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address)));
}

static char *wait_to_string(guint wait_ms) {
        char number[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup_printf("%s s", g_ascii_formatd(number, sizeof(number), "%g", wait_ms / 1000.0));
}

static void lookup_ignore(Lookup *lookup, const char *sender, const char *reason) {
        g_info("multicast PnP: ignored a message from %s: %s", sender, reason);
        lookup->ignored_count++;
        if (lookup->ignored->len < MULTICAST_MAX_LISTED_IGNORED)
                g_ptr_array_add(lookup->ignored, g_strdup_printf("%s: %s", sender, reason));
}

static GError *lookup_no_answer_error(Lookup *lookup) {
        MulticastSource *source = lookup->source;
        g_autofree char *wait = wait_to_string(source->wait_ms);
        g_autoptr(GString) reason = g_string_new(NULL);

        g_string_printf(reason, "no answer from %s:%u within %s", source->group, source->port, wait);
        if (lookup->answered_by != NULL)
                g_string_append_printf(reason, "; %s accepted the SUBSCRIBE but sent no usable NOTIFY",
                                       lookup->answered_by);
        if (lookup->ignored_count > 0) {
                g_autofree char *listed = NULL;

                g_ptr_array_add(lookup->ignored, NULL);
                listed = g_strjoinv("; ", (char **) lookup->ignored->pdata);
                g_ptr_array_remove_index(lookup->ignored, lookup->ignored->len - 1);
                g_string_append_printf(reason, "; ignored %u message(s): %s", lookup->ignored_count, listed);
                if (lookup->ignored_count > lookup->ignored->len)
                        g_string_append_printf(reason, "; and %u more",
                                               lookup->ignored_count - lookup->ignored->len);
        }
        return g_error_new_literal(MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NO_ANSWER, reason->str);
}

static gboolean lookup_send(Lookup *lookup, const char *data, gsize length, GSocketAddress *to,
                            GError **error) {
        g_autoptr(GError) send_error = NULL;
        gssize sent = g_socket_send_to(lookup->socket, to, data, length, NULL, &send_error);

        if (sent < 0 || (gsize) sent != length) {
                g_autofree char *destination = socket_address_to_string(to);
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NETWORK,
                            "cannot send to %s: %s", destination,
                            send_error != NULL ? send_error->message : "short write");
                return FALSE;
        }
        return TRUE;
}

static void handle_response(Lookup *lookup, SipIncoming *incoming, const char *sender) {
        guint status = sip_incoming_get_status(incoming);

        /* RFC 3261 §17.1.2.2: any response ends the retransmissions of a non-INVITE request. */
        source_destroy(&lookup->retransmit_source);
        if (status >= 200 && status < 300) {
                if (lookup->answered_by == NULL)
                        lookup->answered_by = g_strdup(sender);
        } else if (status >= 300) {
                g_autofree char *reason = g_strdup_printf("answered the SUBSCRIBE with %u", status);
                lookup_ignore(lookup, sender, reason);
        }
}

/* Answers the NOTIFY and returns the answer; NULL with a reason to ignore it. */
static Answer *handle_notify(Lookup *lookup, SipIncoming *incoming, GSocketAddress *from, const char *sender,
                             GError **error) {
        const char *url = sip_incoming_get_url(incoming);
        g_autofree char *ok = NULL;
        gsize ok_length = 0;
        Answer *answer;

        if (lookup->source->https_only && g_ascii_strncasecmp(url, "https:", strlen("https:")) != 0) {
                g_set_error_literal(
                        error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NO_ANSWER,
                        "NOTIFY with a plain http URL, and only https is accepted from multicast PnP");
                return NULL;
        }
        ok = sip_message_build_notify_ok(incoming, &ok_length, error);
        if (ok == NULL || !lookup_send(lookup, ok, ok_length, from, error))
                return NULL;

        answer = g_new0(Answer, 1);
        answer->url = g_strdup(url);
        answer->responder = g_strdup(sender);
        return answer;
}

static gboolean on_receive(GSocket *socket, GIOCondition condition, gpointer user_data) {
        GTask *task = user_data;
        Lookup *lookup = g_task_get_task_data(task);
        char buffer[SIP_MESSAGE_MAX_LENGTH + 1];
        g_autoptr(GSocketAddress) from = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(SipIncoming) incoming = NULL;
        g_autofree char *sender = NULL;
        gssize received;

        received = g_socket_receive_from(socket, &from, buffer, sizeof(buffer), NULL, &error);
        if (received < 0) {
                if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                        return G_SOURCE_CONTINUE;
                /* ICMP errors of earlier sends surface here on Linux; the wait goes on. */
                g_info("multicast PnP: receive: %s", error->message);
                return G_SOURCE_CONTINUE;
        }
        sender = socket_address_to_string(from);
        incoming = sip_message_parse_incoming(buffer, received, lookup->call_id, lookup->cseq, &error);
        if (incoming == NULL) {
                lookup_ignore(lookup, sender, error->message);
                return G_SOURCE_CONTINUE;
        }
        if (sip_incoming_get_kind(incoming) == SIP_INCOMING_RESPONSE) {
                handle_response(lookup, incoming, sender);
                return G_SOURCE_CONTINUE;
        }

        Answer *answer = handle_notify(lookup, incoming, from, sender, &error);
        if (answer == NULL) {
                lookup_ignore(lookup, sender, error->message);
                return G_SOURCE_CONTINUE;
        }
        g_autofree char *redacted = url_redact(answer->url);
        g_message("multicast PnP: %s answered with %s", sender, redacted);
        lookup_return_answer(task, answer);
        return G_SOURCE_REMOVE;
}

static gboolean on_retransmit(gpointer user_data) {
        GTask *task = user_data;
        Lookup *lookup = g_task_get_task_data(task);
        GError *error = NULL;

        if (!lookup_send(lookup, lookup->subscribe, lookup->subscribe_length, lookup->group_address, &error)) {
                lookup_return_error(task, error);
                return G_SOURCE_REMOVE;
        }
        /* RFC 3261 §17.1.2.2 (timer E): T1, 2·T1, 4·T1 …; the wait ends the lookup, so T2 never caps it here. */
        lookup->retransmit_ms *= 2;
        source_destroy(&lookup->retransmit_source);
        lookup->retransmit_source = g_timeout_source_new(lookup->retransmit_ms);
        g_source_set_callback(lookup->retransmit_source, on_retransmit, task, NULL);
        g_source_attach(lookup->retransmit_source, g_task_get_context(task));
        return G_SOURCE_REMOVE;
}

static gboolean on_wait_over(gpointer user_data) {
        GTask *task = user_data;

        lookup_return_error(task, lookup_no_answer_error(g_task_get_task_data(task)));
        return G_SOURCE_REMOVE;
}

static gboolean on_cancelled(GCancellable *cancellable, gpointer user_data) {
        GTask *task = user_data;

        lookup_return_error(task,
                            g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "multicast PnP cancelled"));
        return G_SOURCE_REMOVE;
}

static GInetAddress *interface_address(const char *interface, GError **error) {
        struct ifaddrs *addresses = NULL;
        GInetAddress *found = NULL;

        if (getifaddrs(&addresses) < 0) {
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NETWORK,
                            "cannot list the addresses of %s: %s", interface, g_strerror(errno));
                return NULL;
        }
        for (struct ifaddrs *entry = addresses; entry != NULL && found == NULL; entry = entry->ifa_next) {
                if (entry->ifa_addr == NULL || entry->ifa_addr->sa_family != AF_INET ||
                    g_strcmp0(entry->ifa_name, interface) != 0)
                        continue;
                found = g_inet_address_new_from_bytes(
                        (const guint8 *) &((const struct sockaddr_in *) entry->ifa_addr)->sin_addr,
                        G_SOCKET_FAMILY_IPV4);
        }
        freeifaddrs(addresses);
        if (found == NULL)
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NETWORK,
                            "interface %s has no IPv4 address", interface);
        return found;
}

/* The address the routing table picks towards the group: what the responder sees as our source. */
static GInetAddress *route_address(GSocketAddress *group_address, GError **error) {
        g_autoptr(GSocket) probe = NULL;
        g_autoptr(GSocketAddress) local = NULL;

        probe = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
        if (probe == NULL || !g_socket_connect(probe, group_address, NULL, error))
                return NULL;
        local = g_socket_get_local_address(probe, error);
        if (local == NULL)
                return NULL;
        return g_object_ref(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)));
}

static gboolean socket_set_interface(GSocket *socket, const char *interface, GError **error) {
        struct ip_mreqn request = { .imr_ifindex = (int) if_nametoindex(interface) };

        if (request.imr_ifindex == 0 ||
            setsockopt(g_socket_get_fd(socket), IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof(request)) < 0) {
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NETWORK,
                            "cannot send multicast on %s: %s", interface, g_strerror(errno));
                return FALSE;
        }
        return TRUE;
}

/* A UDP socket on an ephemeral port: TTL 1 keeps the SUBSCRIBE on the LAN (RFC 6080 §4.1). */
static GSocket *lookup_open_socket(Lookup *lookup, GInetAddress *local, GError **error) {
        MulticastSource *source = lookup->source;
        g_autoptr(GSocket) socket = NULL;
        g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) bind_address = NULL;

        socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
        if (socket == NULL)
                return NULL;
        bind_address = g_inet_socket_address_new(source->interface != NULL ? local : any, 0);
        if (!g_socket_bind(socket, bind_address, FALSE, error))
                return NULL;
        g_socket_set_multicast_ttl(socket, 1);
        g_socket_set_multicast_loopback(socket, TRUE);
        if (source->interface != NULL && !socket_set_interface(socket, source->interface, error))
                return NULL;
        return g_steal_pointer(&socket);
}

static char *random_token(const char *prefix) {
        return g_strdup_printf("%s%08x%08x", prefix, g_random_int(), g_random_int());
}

static gboolean lookup_build_subscribe(Lookup *lookup, GInetAddress *local, guint16 local_port,
                                       GError **error) {
        MulticastSource *source = lookup->source;
        g_autofree char *local_text = g_inet_address_to_string(local);
        g_autofree char *from_tag = random_token("");
        g_autofree char *branch = random_token("z9hG4bK");
        g_autoptr(GError) build_error = NULL;
        SipSubscribe subscribe = {
                .group = source->group,
                .group_port = source->port,
                .local_address = local_text,
                .local_port = local_port,
                .mac = source->mac,
                .vendor = source->vendor,
                .model = source->model,
                .version = source->version,
                .call_id = lookup->call_id,
                .from_tag = from_tag,
                .branch = branch,
                .cseq = lookup->cseq,
        };

        lookup->subscribe = sip_message_build_subscribe(&subscribe, &lookup->subscribe_length, &build_error);
        if (lookup->subscribe == NULL) {
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_CONFIG,
                            "cannot build the SUBSCRIBE: %s", build_error->message);
                return FALSE;
        }
        return TRUE;
}

static GSocketAddress *group_socket_address(MulticastSource *source, GError **error) {
        g_autoptr(GInetAddress) group = g_inet_address_new_from_string(source->group);

        if (group == NULL || g_inet_address_get_family(group) != G_SOCKET_FAMILY_IPV4 ||
            !g_inet_address_get_is_multicast(group)) {
                g_set_error(error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_CONFIG,
                            "%s is not an IPv4 multicast group", source->group);
                return NULL;
        }
        return g_inet_socket_address_new(group, source->port);
}

/* Opens the socket and sends the first SUBSCRIBE. */
static gboolean lookup_start(Lookup *lookup, GError **error) {
        MulticastSource *source = lookup->source;
        g_autoptr(GInetAddress) local = NULL;
        g_autoptr(GSocketAddress) bound = NULL;

        lookup->group_address = group_socket_address(source, error);
        if (lookup->group_address == NULL)
                return FALSE;
        local = source->interface != NULL ? interface_address(source->interface, error) :
                                            route_address(lookup->group_address, error);
        if (local == NULL)
                return FALSE;
        lookup->socket = lookup_open_socket(lookup, local, error);
        if (lookup->socket == NULL)
                return FALSE;
        bound = g_socket_get_local_address(lookup->socket, error);
        if (bound == NULL)
                return FALSE;
        if (!lookup_build_subscribe(lookup, local,
                                    g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)), error))
                return FALSE;
        return lookup_send(lookup, lookup->subscribe, lookup->subscribe_length, lookup->group_address, error);
}

static void lookup_attach(GTask *task, GCancellable *cancellable) {
        Lookup *lookup = g_task_get_task_data(task);
        GMainContext *context = g_task_get_context(task);

        lookup->receive_source = g_socket_create_source(lookup->socket, G_IO_IN, NULL);
        g_source_set_callback(lookup->receive_source, G_SOURCE_FUNC(on_receive), task, NULL);
        g_source_attach(lookup->receive_source, context);

        lookup->retransmit_source = g_timeout_source_new(lookup->retransmit_ms);
        g_source_set_callback(lookup->retransmit_source, on_retransmit, task, NULL);
        g_source_attach(lookup->retransmit_source, context);

        lookup->wait_source = g_timeout_source_new(lookup->source->wait_ms);
        g_source_set_callback(lookup->wait_source, on_wait_over, task, NULL);
        g_source_attach(lookup->wait_source, context);

        if (cancellable != NULL) {
                lookup->cancel_source = g_cancellable_source_new(cancellable);
                g_source_set_callback(lookup->cancel_source, G_SOURCE_FUNC(on_cancelled), task, NULL);
                g_source_attach(lookup->cancel_source, context);
        }
}

void multicast_source_find_async(MulticastSource *source, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data) {
        GTask *task;
        Lookup *lookup;
        GError *error = NULL;

        g_return_if_fail(source != NULL);

        task = g_task_new(NULL, cancellable, callback, user_data);
        g_task_set_source_tag(task, multicast_source_find_async);
        lookup = g_new0(Lookup, 1);
        lookup->source = source;
        lookup->ignored = g_ptr_array_new_with_free_func(g_free);
        lookup->call_id = g_uuid_string_random();
        lookup->cseq = 1;
        lookup->retransmit_ms = MULTICAST_T1_MS;
        g_task_set_task_data(task, lookup, (GDestroyNotify) lookup_free);

        if (g_cancellable_set_error_if_cancelled(cancellable, &error) || !lookup_start(lookup, &error)) {
                lookup_return_error(task, error);
                return;
        }
        g_info("multicast PnP: SUBSCRIBE sent to %s:%u, waiting up to %u ms", source->group, source->port,
               source->wait_ms);
        lookup_attach(task, cancellable);
}

char *multicast_source_find_finish(MulticastSource *source, GAsyncResult *result, char **responder,
                                   GError **error) {
        Answer *answer;
        char *url;

        g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);

        answer = g_task_propagate_pointer(G_TASK(result), error);
        if (answer == NULL)
                return NULL;
        url = g_steal_pointer(&answer->url);
        if (responder != NULL)
                *responder = g_steal_pointer(&answer->responder);
        answer_free(answer);
        return url;
}
