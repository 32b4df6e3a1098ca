/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CheckSync: what the SIP stack hands over for a NOTIFY with `Event:
 * check-sync`, whether the settings honour it, and what it starts. A trigger
 * on top of the engine: without a body it queues a run (trigger "check-sync"),
 * a notifySync body names the run's URL, and a configuration snippet is
 * applied like ApplyFile. Every decision is recorded in LastCheckSync.
 * The rules: docs/sip-integration.md.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "engine.h"

/* The trigger of the runs a check-sync starts (the Trigger property). */
#define CHECK_SYNC_TRIGGER "check-sync"

typedef struct {
        char *sender;       /* the NOTIFY's source address (or host name); required */
        char *event;        /* the Event header, e.g. "check-sync;reboot=false"; NULL: not given */
        char *content_type; /* the Content-Type header; NULL: not given (only logged) */
        GBytes *body;       /* the NOTIFY's body; NULL or empty: none */
} CheckSyncRequest;

CheckSyncRequest *check_sync_request_new(void);
void check_sync_request_free(CheckSyncRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CheckSyncRequest, check_sync_request_free)

/**
 * check_sync_handle_async:
 * Decides on @request and acts on it, then records the outcome in
 * LastCheckSync (engine_record_check_sync()) and the log, with the sender.
 *
 * Refused with PROV_ERROR_NOT_ALLOWED unless /provisioning/active and
 * /provisioning/sip/active are true and the sender is on
 * /provisioning/sip/allowlist (allowlist.h). An Event header whose event
 * type is not check-sync is PROV_ERROR_INVALID_ARGS; its parameters
 * (reboot=true, …) are logged and ignored: nothing is ever restarted.
 *
 * Then, by body: none → engine_queue_run() with no URL; a notifySync document
 * → the same with checkSync/url (trimmed; none or empty: no URL); anything
 * else goes to engine_apply_check_sync_body_async(), an apply job recorded as
 * trigger and source check-sync (references: ReferenceNotAllowed, not a
 * provisioning document: InvalidFile, and its other errors). A body
 * over [Limits] MaxFileSize is PROV_ERROR_INVALID_FILE.
 *
 * @done gets the outcome (@error NULL: honoured) once it is decided: at once,
 * or when a snippet body has been applied (in the apply queue's order). The
 * request's body is referenced as long as needed.
 */
typedef void (*CheckSyncDone)(const GError *error, gpointer user_data);
void check_sync_handle_async(Engine *engine, const CheckSyncRequest *request, CheckSyncDone done,
                             gpointer user_data);

/**
 * check_sync_parse_event:
 * Splits an Event header value ("check-sync;reboot=false") into its event
 * type (returned, newly allocated, trimmed) and its parameters (@parameters,
 * NULL-terminated, each trimmed, e.g. "reboot=false"; may be NULL).
 */
char *check_sync_parse_event(const char *event, GStrv *parameters);

/**
 * check_sync_permitted:
 * Whether @provisioning (the stored provisioning section; NULL: none) honours
 * a check-sync from @sender: FALSE with PROV_ERROR_NOT_ALLOWED naming the
 * reason otherwise. Booleans are on only when "true" or "1"; an absent
 * element is off.
 */
gboolean check_sync_permitted(const xmlNode *provisioning, const char *sender, GError **error);

/**
 * check_sync_notify_url:
 * For a parsed body @doc whose root is notifySync: TRUE, and in @url the
 * trimmed text of checkSync/url (NULL when absent or empty). FALSE for any
 * other root.
 */
gboolean check_sync_notify_url(xmlDoc *doc, char **url);
