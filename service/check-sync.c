/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check-sync.h"

#include "allowlist.h"
#include "apply-result.h"
#include "provision-error.h"
#include "run-request.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

CheckSyncRequest *check_sync_request_new(void) {
        return g_new0(CheckSyncRequest, 1);
}

void check_sync_request_free(CheckSyncRequest *request) {
        if (request == NULL)
                return;
        g_free(request->sender);
        g_free(request->event);
        g_free(request->content_type);
        g_clear_pointer(&request->body, g_bytes_unref);
        g_free(request);
}

/* ---- the rules, without side effects -------------------------------------------------- */

char *check_sync_parse_event(const char *event, GStrv *parameters) {
        g_auto(GStrv) parts = g_strsplit(event, ";", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
        char *type = g_strstrip(g_strdup(parts[0] != NULL ? parts[0] : ""));

        for (gsize i = 1; parts[0] != NULL && parts[i] != NULL; i++) {
                char *parameter = g_strstrip(g_strdup(parts[i]));

                if (*parameter == '\0')
                        g_free(parameter);
                else
                        g_ptr_array_add(kept, parameter);
        }
        g_ptr_array_add(kept, NULL);
        if (parameters != NULL)
                *parameters = (GStrv) g_ptr_array_steal(kept, NULL);
        return type;
}

/* xs:boolean: "true" and "1" are on; anything else, and an absent element, is off. */
static gboolean setting_is_true(const xmlNode *parent, const char *name) {
        g_autofree char *value = xml_child_text(parent, name);

        return xml_boolean_is_true(value);
}

gboolean check_sync_permitted(const xmlNode *provisioning, const char *sender, GError **error) {
        const xmlNode *sip = provisioning != NULL ? xml_find_child(provisioning, "sip") : NULL;
        g_autofree char *entry = NULL;

        if (!setting_is_true(provisioning, "active")) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_NOT_ALLOWED,
                                    "provisioning is off (/provisioning/active is not true)");
                return FALSE;
        }
        if (!setting_is_true(sip, "active")) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_NOT_ALLOWED,
                                    "check-sync is off (/provisioning/sip/active is not true)");
                return FALSE;
        }
        entry = allowlist_find(sip != NULL ? xml_find_child(sip, "allowlist") : NULL, sender);
        if (entry == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_NOT_ALLOWED,
                            "the sender %s is not on /provisioning/sip/allowlist", sender);
                return FALSE;
        }
        g_debug("check-sync from %s: allowed by the allowlistEntry %s", sender, entry);
        return TRUE;
}

gboolean check_sync_notify_url(xmlDoc *doc, char **url) {
        xmlNode *root = xmlDocGetRootElement(doc);
        g_autofree char *text = NULL;

        *url = NULL;
        if (root == NULL || !g_str_equal(xml_node_name(root), "notifySync"))
                return FALSE;
        text = xml_child_text(xml_find_child(root, "checkSync"), "url");
        if (text != NULL && *text != '\0')
                *url = g_steal_pointer(&text);
        return TRUE;
}

/* ---- acting on a request ---------------------------------------------------------------- */

/* The event type must be check-sync; its parameters are returned for the log. */
static gboolean check_event(const char *event, GStrv *parameters, GError **error) {
        g_autofree char *type = NULL;

        if (event == NULL)
                return TRUE;
        type = check_sync_parse_event(event, parameters);
        if (g_ascii_strcasecmp(type, "check-sync") != 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "the event '%s' is not check-sync",
                            type);
                return FALSE;
        }
        return TRUE;
}

/* Other vendors restart on reboot=true; this service applies settings as they come. */
static void log_ignored(const char *sender, GStrv parameters, xmlDoc *notify_sync) {
        xmlNode *root = notify_sync != NULL ? xmlDocGetRootElement(notify_sync) : NULL;

        for (gsize i = 0; parameters != NULL && parameters[i] != NULL; i++)
                g_message(
                        "check-sync from %s: ignoring the event parameter %s: settings are applied without a "
                        "restart",
                        sender, parameters[i]);
        for (xmlNode *child = root != NULL ? xml_first_element_child(root) : NULL; child != NULL;
             child = xml_next_element(child))
                if (!g_str_equal(xml_node_name(child), "checkSync"))
                        g_message("check-sync from %s: ignoring <%s> of the notifySync body", sender,
                                  xml_node_name(child));
}

/* A run now, or the one follow-up run after the active one. Returns what was done. */
static char *start_run(Engine *engine, const char *url) {
        g_autoptr(RunRequest) request = run_request_new(CHECK_SYNC_TRIGGER, url, RUN_SOURCE_CHECK_SYNC);
        guint64 active_run_id = engine_get_status(engine)->run_id;
        g_autofree char *from = NULL;
        guint64 run_id = 0;

        if (url != NULL) {
                g_autofree char *redacted = url_redact(url);
                from = g_strdup_printf(" from %s", redacted);
        }
        engine_queue_run(engine, request, &run_id);
        if (run_id == 0)
                return g_strdup_printf("a run%s queued after run %" G_GUINT64_FORMAT,
                                       from != NULL ? from : "", active_run_id);
        return g_strdup_printf("run %" G_GUINT64_FORMAT " started%s", run_id, from != NULL ? from : "");
}

/* One CheckSync being handled: what its outcome is recorded and reported with. */
typedef struct {
        Engine *engine;
        char *sender;
        char *shown_sender; /* escaped for the log: one line per event, whatever the sender holds */
        CheckSyncDone done;
        gpointer user_data;
} Handling;

static void handling_free(Handling *handling) {
        g_free(handling->sender);
        g_free(handling->shown_sender);
        g_free(handling);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Handling, handling_free)

static char *refusal_reason(const GError *error);

/* Records the outcome (@what was done, or @error) in LastCheckSync and the log, and reports it. */
static void conclude(Handling *handling, const char *what, const GError *error) {
        g_autoptr(Handling) G_GNUC_UNUSED owned = handling; /* freed on return */
        g_autofree char *reason = NULL;

        if (error == NULL) {
                g_message("check-sync from %s: %s", handling->shown_sender, what);
                engine_record_check_sync(handling->engine, handling->sender, TRUE, what);
        } else {
                reason = refusal_reason(error);
                g_message("check-sync from %s: refused: %s", handling->shown_sender, reason);
                engine_record_check_sync(handling->engine, handling->sender, FALSE, reason);
        }
        handling->done(error, handling->user_data);
}

static void on_snippet_applied(GPtrArray *changes, const GError *error, gpointer user_data) {
        g_autoptr(GString) done = g_string_new("applied the body");

        if (changes == NULL) {
                conclude(user_data, NULL, error);
                return;
        }
        if (changes->len == 0)
                g_string_append(done, ": no changes");
        for (guint i = 0; i < changes->len; i++) {
                const SectionChange *change = g_ptr_array_index(changes, i);
                g_string_append_printf(done, "%s%s (%s)", i == 0 ? ": " : ", ", change->section, change->how);
        }
        conclude(user_data, done->str, NULL);
}

/* Acts on the body of a permitted check-sync; concludes @handling now, or when the snippet is applied. */
static void act_on_body(Handling *handling, const CheckSyncRequest *request, GStrv parameters) {
        gsize size = request->body != NULL ? g_bytes_get_size(request->body) : 0;
        guint64 max_size = engine_get_max_file_size(handling->engine);
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autofree char *url = NULL;
        g_autofree char *done = NULL;
        const char *data;

        if (size > max_size) {
                g_set_error(&error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "the body is %" G_GSIZE_FORMAT " bytes, more than MaxFileSize (%" G_GUINT64_FORMAT ")",
                            size, max_size);
                conclude(handling, NULL, error);
                return;
        }
        if (size == 0) {
                log_ignored(handling->shown_sender, parameters, NULL);
                done = start_run(handling->engine, NULL);
                conclude(handling, done, NULL);
                return;
        }
        data = g_bytes_get_data(request->body, NULL);
        /* Not XML at all: the apply says so, as for ApplyFile. */
        doc = xml_parse_untrusted(data, size, "the check-sync body", NULL);
        if (doc != NULL && check_sync_notify_url(doc, &url)) {
                log_ignored(handling->shown_sender, parameters, doc);
                done = start_run(handling->engine, url);
                conclude(handling, done, NULL);
                return;
        }
        log_ignored(handling->shown_sender, parameters, NULL);
        engine_apply_check_sync_body_async(handling->engine, request->body, on_snippet_applied, handling);
}

/* "NotAllowed: the sender … is not …": LastCheckSync's reason for a refusal. */
static char *refusal_reason(const GError *error) {
        const char *name = prov_error_get_dbus_name(error);
        const char *short_name = strrchr(name, '.');

        return g_strdup_printf("%s: %s", short_name != NULL ? short_name + 1 : name, error->message);
}

void check_sync_handle_async(Engine *engine, const CheckSyncRequest *request, CheckSyncDone done,
                             gpointer user_data) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) parameters = NULL;
        g_autoptr(xmlNode) provisioning = engine_copy_section(engine, "provisioning");
        Handling *handling = g_new0(Handling, 1);

        handling->engine = engine;
        handling->sender = g_strdup(request->sender);
        handling->shown_sender = g_strescape(request->sender, NULL);
        handling->done = done;
        handling->user_data = user_data;
        if (request->content_type != NULL)
                g_debug("check-sync from %s: Content-Type %s", handling->shown_sender, request->content_type);
        if (check_event(request->event, &parameters, &error) &&
            check_sync_permitted(provisioning, request->sender, &error))
                act_on_body(handling, request, parameters);
        else
                conclude(handling, NULL, error);
}
