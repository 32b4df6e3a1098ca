/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The discovery: three steps in a fixed order (DHCP → redirect ∥ multicast →
 * configured), each step's findings recorded, the first URL wins. The
 * concurrent step counts its sources in flight and completes only when each
 * has reported (the losers with G_IO_ERROR_CANCELLED), so that no callback
 * ever reaches a freed discovery.
 */
#include "discovery.h"

#include "provision-error.h"
#include "source-multicast.h"
#include "source-redirect.h"
#include "url.h"

/* The findings in asking order, indexed like this. */
enum { FINDING_DHCP, FINDING_REDIRECT, FINDING_MULTICAST, FINDING_CONFIGURED, N_FINDINGS };

static const char *const finding_names[N_FINDINGS] = {
        [FINDING_DHCP] = DISCOVERY_SOURCE_DHCP,
        [FINDING_REDIRECT] = DISCOVERY_SOURCE_REDIRECT,
        [FINDING_MULTICAST] = DISCOVERY_SOURCE_MULTICAST,
        [FINDING_CONFIGURED] = DISCOVERY_SOURCE_CONFIGURED,
};

typedef struct {
        DiscoveryContext context;
        void (*progress_cb)(const char *detail, gpointer user_data);
        gpointer user_data;
        GTask *task; /* owns this; this holds a reference on it until the discovery completes */
        GCancellable *cancellable; /* the caller's, or NULL */

        /* The provisioning section, read at the start. */
        gboolean dhcp_enabled;
        gboolean redirect_enabled;
        gboolean pbx_enabled;
        char *configured_url;

        char *findings[N_FINDINGS];
        DiscoveryResult *result;

        /* The concurrent step: redirect ∥ multicast. */
        GCancellable *concurrent_cancellable; /* cancelled when one wins, or the discovery is cancelled */
        gulong cancelled_handler;
        guint concurrent_pending;
        MulticastSource *multicast;
        guint start_source;
} Discovery;

void discovery_result_free(DiscoveryResult *result) {
        if (result == NULL)
                return;
        g_free(result->url);
        g_clear_pointer(&result->fallbacks, g_ptr_array_unref);
        g_strfreev(result->findings);
        g_free(result);
}

static DiscoveryResult *discovery_result_new(void) {
        DiscoveryResult *result = g_new0(DiscoveryResult, 1);

        result->fallbacks = g_ptr_array_new_with_free_func(g_free);
        return result;
}

GError *discovery_result_no_source_error(const DiscoveryResult *result) {
        g_autoptr(GString) message = g_string_new("no source found a provisioning URL");

        for (guint i = 0;
             result->findings != NULL && result->findings[i] != NULL && result->findings[i + 1] != NULL;
             i += 2)
                g_string_append_printf(message, "%s %s: %s", i == 0 ? ":" : ";", result->findings[i],
                                       result->findings[i + 1]);
        return g_error_new_literal(PROV_ERROR, PROV_ERROR_NO_SOURCE, message->str);
}

static void discovery_free(gpointer data) {
        Discovery *discovery = data;

        g_clear_handle_id(&discovery->start_source, g_source_remove);
        if (discovery->cancelled_handler != 0)
                g_cancellable_disconnect(discovery->cancellable, discovery->cancelled_handler);
        g_clear_object(&discovery->cancellable);
        g_clear_object(&discovery->concurrent_cancellable);
        g_clear_pointer(&discovery->multicast, multicast_source_free);
        g_clear_pointer(&discovery->result, discovery_result_free);
        for (guint i = 0; i < N_FINDINGS; i++)
                g_free(discovery->findings[i]);
        g_free(discovery->configured_url);
        g_free(discovery);
}

/* A boolean of the provisioning section; absent counts as on (the factory defaults turn every source on). */
static gboolean setting_enabled(Store *store, const char *name) {
        g_autofree char *value = store_get_setting(store, "provisioning", name);

        return value == NULL || !(g_str_equal(value, "false") || g_str_equal(value, "0"));
}

static void set_finding(Discovery *discovery, guint index, char *text) {
        g_free(discovery->findings[index]);
        discovery->findings[index] = text;
        g_message("discovery: %s: %s", finding_names[index], text);
}

static void set_skipped(Discovery *discovery, guint index, const char *setting) {
        set_finding(discovery, index,
                    g_strdup_printf("skipped: disabled (/provisioning/%s is false)", setting));
}

static void progress(Discovery *discovery, const char *detail) {
        if (discovery->progress_cb != NULL)
                discovery->progress_cb(detail, discovery->user_data);
}

static void found(Discovery *discovery, guint index, RunSource source, const char *url, const char *where) {
        g_autofree char *redacted = url_redact(url);

        discovery->result->source = source;
        discovery->result->url = g_strdup(url);
        set_finding(discovery, index,
                    g_strdup_printf("url %s%s%s", redacted, where != NULL ? " " : "",
                                    where != NULL ? where : ""));
}

/* The name of the source that found the URL (= its finding's name), or NULL while none has. */
static const char *winner(const Discovery *discovery) {
        return discovery->result->url != NULL ? run_source_name(discovery->result->source) : NULL;
}

/* Completes the task with the result; the findings not set are the sources a winner made unnecessary.
 * @discovery may be freed when this returns. */
static void complete(Discovery *discovery) {
        g_autoptr(GTask) task = g_steal_pointer(&discovery->task);
        g_autoptr(GPtrArray) findings = g_ptr_array_new();
        const char *first = winner(discovery);

        for (guint i = 0; i < N_FINDINGS; i++) {
                if (discovery->findings[i] == NULL)
                        discovery->findings[i] = g_strdup_printf("not asked: %s found a URL first", first);
                g_ptr_array_add(findings, g_strdup(finding_names[i]));
                g_ptr_array_add(findings, g_strdup(discovery->findings[i]));
        }
        g_ptr_array_add(findings, NULL);
        discovery->result->findings = (GStrv) g_ptr_array_free(g_steal_pointer(&findings), FALSE);
        g_task_return_pointer(task, g_steal_pointer(&discovery->result),
                              (GDestroyNotify) discovery_result_free);
}

/* @discovery may be freed when this returns. */
static void complete_cancelled(Discovery *discovery) {
        g_autoptr(GTask) task = g_steal_pointer(&discovery->task);

        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the discovery was cancelled");
}

/* ---- DHCP --------------------------------------------------------------------- */

char *discovery_dhcp_url(DhcpLeases *leases) {
        g_autoptr(GPtrArray) list = leases != NULL ? dhcp_leases_list(leases) : NULL;

        for (guint i = 0; list != NULL && i < list->len; i++) {
                g_autoptr(GPtrArray) urls = dhcp_options_provisioning_urls(g_ptr_array_index(list, i), NULL);
                if (urls != NULL)
                        return url_normalize_input(g_ptr_array_index(urls, 0));
        }
        return NULL;
}

/* Every interface's options, by name; the first that gives a URL wins. TRUE when one did. */
static gboolean ask_dhcp(Discovery *discovery) {
        g_autoptr(GPtrArray) list = NULL;
        g_autoptr(GString) reasons = g_string_new(NULL);

        if (!discovery->dhcp_enabled) {
                set_skipped(discovery, FINDING_DHCP, "dhcp");
                return FALSE;
        }
        progress(discovery, "dhcp");
        list = discovery->context.leases != NULL ? dhcp_leases_list(discovery->context.leases) : NULL;
        if (list == NULL || list->len == 0) {
                set_finding(discovery, FINDING_DHCP,
                            g_strdup("none: no DHCP client has handed over options (SetDhcpOptions)"));
                return FALSE;
        }
        for (guint i = 0; i < list->len; i++) {
                const DhcpLease *lease = g_ptr_array_index(list, i);
                g_autoptr(GError) error = NULL;
                g_autoptr(GPtrArray) urls = dhcp_options_provisioning_urls(lease, &error);
                g_autofree char *where = NULL;
                g_autofree char *url = NULL;

                if (urls == NULL) {
                        g_string_append_printf(
                                reasons, "%s%s: %s: %s", reasons->len > 0 ? "; " : "", lease->interface,
                                dhcp_options_error_reason((DhcpOptionsError) error->code), error->message);
                        continue;
                }
                url = url_normalize_input(g_ptr_array_index(urls, 0));
                for (guint j = 1; j < urls->len; j++)
                        g_ptr_array_add(discovery->result->fallbacks,
                                        url_normalize_input(g_ptr_array_index(urls, j)));
                where = g_strdup_printf("(interface %s%s)", lease->interface,
                                        urls->len > 1 ? "; then the other scheme" : "");
                found(discovery, FINDING_DHCP, RUN_SOURCE_DHCP, url, where);
                return TRUE;
        }
        set_finding(discovery, FINDING_DHCP, g_strdup_printf("no url: %s", reasons->str));
        return FALSE;
}

/* ---- Configured ------------------------------------------------------------------ */

static void ask_configured(Discovery *discovery) {
        if (discovery->configured_url == NULL) {
                set_finding(discovery, FINDING_CONFIGURED, g_strdup("none: /provisioning/url is empty"));
                return;
        }
        found(discovery, FINDING_CONFIGURED, RUN_SOURCE_CONFIGURED, discovery->configured_url, NULL);
}

/* ---- The concurrent step: redirect ∥ multicast ------------------------------------ */

/* One source of the concurrent step has reported; the last one ends the step. */
static void concurrent_done(Discovery *discovery) {
        g_assert(discovery->concurrent_pending > 0);
        if (--discovery->concurrent_pending > 0)
                return;
        if (discovery->result->url == NULL && g_cancellable_is_cancelled(discovery->cancellable)) {
                complete_cancelled(discovery);
                return;
        }
        if (discovery->result->url == NULL)
                ask_configured(discovery);
        complete(discovery);
}

/* A source of the concurrent step found @url: it wins unless another was first. */
static void concurrent_found(Discovery *discovery, guint index, RunSource source, const char *url,
                             const char *where) {
        if (winner(discovery) != NULL) {
                set_finding(discovery, index,
                            g_strdup_printf("ignored: %s answered first", winner(discovery)));
                return;
        }
        found(discovery, index, source, url, where);
        g_cancellable_cancel(discovery->concurrent_cancellable);
}

/* A source of the concurrent step gave up with @error. */
static void concurrent_failed(Discovery *discovery, guint index, const GError *error) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                set_finding(discovery, index,
                            winner(discovery) != NULL ?
                                    g_strdup_printf("cancelled: %s answered first", winner(discovery)) :
                                    g_strdup("cancelled"));
        else
                set_finding(discovery, index, g_strdup_printf("no answer: %s", error->message));
}

static void on_multicast_found(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        Discovery *discovery = user_data;
        g_autoptr(GError) error = NULL;
        g_autofree char *responder = NULL;
        g_autofree char *found_url = multicast_source_find_finish(discovery->multicast, result, &responder,
                                                                  &error);
        g_autofree char *url = url_normalize_input(found_url);
        g_autofree char *where = NULL;

        if (url != NULL) {
                where = g_strdup_printf("(from %s)", responder != NULL ? responder : "?");
                concurrent_found(discovery, FINDING_MULTICAST, RUN_SOURCE_MULTICAST, url, where);
        } else {
                concurrent_failed(discovery, FINDING_MULTICAST, error);
        }
        concurrent_done(discovery);
}

static void ask_multicast(Discovery *discovery) {
        const DaemonConfig *config = discovery->context.config;
        const MulticastConfig multicast = {
                .group = config->multicast_group,
                .port = (guint16) config->multicast_port,
                .interface = config->multicast_interface,
                .wait_ms = config->multicast_wait * 1000,
                .https_only = config->multicast_https_only,
                .vendor = config->device_vendor,
                .model = discovery->context.device->type,
                .version = config->firmware_version != NULL ? config->firmware_version : PROVISIOND_VERSION,
                .mac = discovery->context.device->mac,
        };
        g_autofree char *detail = NULL;

        if (!discovery->pbx_enabled) {
                set_skipped(discovery, FINDING_MULTICAST, "pbx");
                return;
        }
        if (!config->multicast_enabled) {
                set_finding(discovery, FINDING_MULTICAST,
                            g_strdup("skipped: off in provisiond.conf ([Multicast] Enabled=false)"));
                return;
        }
        if (config->multicast_port > G_MAXUINT16 || config->multicast_wait > G_MAXUINT / 1000) {
                set_finding(
                        discovery, FINDING_MULTICAST,
                        g_strdup("error: [Multicast] Port must be at most 65535 and WaitSeconds at most 4294967"));
                return;
        }
        detail = g_strdup_printf("multicast %s:%u",
                                 multicast.group != NULL ? multicast.group : MULTICAST_DEFAULT_GROUP,
                                 multicast.port != 0 ? multicast.port : MULTICAST_DEFAULT_PORT);
        progress(discovery, detail);
        discovery->multicast = multicast_source_new(&multicast);
        discovery->concurrent_pending++;
        multicast_source_find_async(discovery->multicast, discovery->concurrent_cancellable,
                                    on_multicast_found, discovery);
}

static void on_redirect_found(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        Discovery *discovery = user_data;
        g_autoptr(GError) error = NULL;
        g_autofree char *service = NULL;
        g_autofree char *found_url = redirect_source_find_finish(result, &service, &error);
        g_autofree char *url = url_normalize_input(found_url);
        g_autofree char *where = NULL;

        if (url != NULL) {
                where = g_strdup_printf("(from %s)", service != NULL ? service : "?");
                concurrent_found(discovery, FINDING_REDIRECT, RUN_SOURCE_REDIRECT, url, where);
        } else if (g_error_matches(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_NOT_CONFIGURED)) {
                set_finding(discovery, FINDING_REDIRECT, g_strdup_printf("none: %s", error->message));
        } else {
                concurrent_failed(discovery, FINDING_REDIRECT, error);
        }
        concurrent_done(discovery);
}

/* The redirect service (source-redirect.c), concurrently with multicast. */
static void ask_redirect(Discovery *discovery) {
        RedirectConfig redirect;

        if (!discovery->redirect_enabled) {
                set_skipped(discovery, FINDING_REDIRECT, "redirect");
                return;
        }
        redirect_config_init(&redirect, discovery->context.config);
        progress(discovery, "redirect service");
        discovery->concurrent_pending++;
        redirect_source_find_async(&redirect, discovery->context.device, discovery->context.user_agent,
                                   discovery->concurrent_cancellable, on_redirect_found, discovery);
}

static void on_cancelled(GCancellable *cancellable, gpointer user_data) {
        g_cancellable_cancel(user_data);
}

static gboolean on_start(gpointer user_data) {
        Discovery *discovery = user_data;
        GCancellable *cancellable = discovery->cancellable;

        discovery->start_source = 0;
        if (g_cancellable_is_cancelled(cancellable)) {
                complete_cancelled(discovery);
                return G_SOURCE_REMOVE;
        }
        if (ask_dhcp(discovery)) {
                complete(discovery);
                return G_SOURCE_REMOVE;
        }
        /* A pending step of its own, so that a source that reports at once cannot end the step early. */
        discovery->concurrent_pending = 1;
        if (cancellable != NULL)
                discovery->cancelled_handler = g_cancellable_connect(
                        cancellable, G_CALLBACK(on_cancelled),
                        g_object_ref(discovery->concurrent_cancellable), g_object_unref);
        ask_redirect(discovery);
        ask_multicast(discovery);
        concurrent_done(discovery);
        return G_SOURCE_REMOVE;
}

void discovery_find_async(const DiscoveryContext *context, GCancellable *cancellable,
                          void (*progress_cb)(const char *detail, gpointer user_data),
                          GAsyncReadyCallback callback, gpointer user_data) {
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
        Discovery *discovery = g_new0(Discovery, 1);
        g_autofree char *configured = store_get_setting(context->store, "provisioning", "url");

        g_task_set_source_tag(task, discovery_find_async);
        discovery->context = *context;
        discovery->progress_cb = progress_cb;
        discovery->user_data = user_data;
        discovery->task = g_object_ref(task);
        discovery->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
        discovery->result = discovery_result_new();
        discovery->concurrent_cancellable = g_cancellable_new();
        discovery->dhcp_enabled = setting_enabled(context->store, "dhcp");
        discovery->redirect_enabled = setting_enabled(context->store, "redirect");
        discovery->pbx_enabled = setting_enabled(context->store, "pbx");
        discovery->configured_url = url_normalize_input(configured);
        g_task_set_task_data(task, discovery, discovery_free);
        discovery->start_source = g_idle_add(on_start, discovery);
}

DiscoveryResult *discovery_find_finish(GAsyncResult *result, GError **error) {
        g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
        g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == discovery_find_async, NULL);

        return g_task_propagate_pointer(G_TASK(result), error);
}
