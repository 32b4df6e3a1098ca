/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's status as the bus shows it (GetStatus and the properties),
 * and which properties changed since they were last announced.
 */
#pragma once

#include <glib.h>

/* Property names, as on the bus. */
#define STATUS_STATE "State"
#define STATUS_LAST_RESULT "LastResult"
#define STATUS_LAST_ERROR "LastError"
#define STATUS_LAST_WARNINGS "LastWarnings"
#define STATUS_LAST_CHANGE "LastChange"
#define STATUS_SETTINGS_GENERATION "SettingsGeneration"
#define STATUS_RUN_ID "RunId"
#define STATUS_TRIGGER "Trigger"
#define STATUS_URL "Url"
#define STATUS_PROGRESS "Progress"
#define STATUS_LAST_RUN_STARTED "LastRunStarted"
#define STATUS_LAST_RUN_FINISHED "LastRunFinished"
#define STATUS_LAST_SUCCESS "LastSuccess"
#define STATUS_FILES_FETCHED "FilesFetched"
#define STATUS_BYTES_FETCHED "BytesFetched"
#define STATUS_VERSION "Version"
#define STATUS_NEXT_RUN "NextRun"
#define STATUS_LAST_CHECK_SYNC "LastCheckSync"
#define STATUS_SOURCE "Source"
#define STATUS_DISCOVERY "Discovery"
#define STATUS_SOURCE_STATS "SourceStats" /* from the run history (run-history.h), not a field here */

typedef struct {
        const char *state;       /* "idle", "running", "applying" */
        const char *last_result; /* "none", "success", "failed" */
        char *last_error_name;    /* D-Bus error name, "" if none */
        char *last_error_message; /* "" if none */
        GStrv last_warnings;
        guint64 last_change;      /* µs since the epoch */
        guint64 settings_generation;
        guint64 run_id;
        char *trigger;
        char *url;                /* redacted */
        guint64 progress;         /* bus type u */
        guint64 last_run_started;
        guint64 last_run_finished;
        guint64 last_success;
        guint64 files_fetched;    /* bus type u */
        guint64 bytes_fetched;
        const char *version;      /* the daemon's, PROVISIOND_VERSION: constant */
        guint64 next_run;         /* µs since the epoch of the next automatic run (triggers.h), 0 = none */
        /* LastCheckSync (bus type (stbs)): the last CheckSync call that got past its options */
        char *check_sync_sender;  /* as the SIP stack gave it; "" before the first */
        guint64 check_sync_time;  /* µs since the epoch, 0 = never */
        gboolean check_sync_accepted;
        char *check_sync_reason;  /* what was done, or why it was refused */
        char *source;    /* who found the run's URL: run_source_name(), "" before it is known */
        GStrv discovery; /* pairs: source name, what it found in this run (bus type a{ss}); empty
                          * for a run with a URL given */

        GPtrArray *changed;       /* property names not yet announced */
} Status;

void status_init(Status *status);
void status_clear(Status *status);

/** status_changed: remember that @property changed (once). */
void status_changed(Status *status, const char *property);

/** status_set_string: replace an owned string field and mark @property if it differs. */
void status_set_string(Status *status, char **field, const char *value, const char *property);

/** status_set_number: set a guint64 field and mark @property if it differs. */
void status_set_number(Status *status, guint64 *field, guint64 value, const char *property);

/* LastWarnings keeps this many; a document can produce millions (one per stripped
 * element), which would outgrow a D-Bus message. */
#define STATUS_MAX_WARNINGS 100

/**
 * status_set_result:
 * LastResult, LastError and LastWarnings of an apply or a run (@failure
 * NULL: success; else LastError is its D-Bus name, see prov_error_get_dbus_name()). Past STATUS_MAX_WARNINGS, the last entry says how many more there were.
 */
void status_set_result(Status *status, const GError *failure, GPtrArray *warnings);

/**
 * status_set_check_sync:
 * LastCheckSync: @sender and @reason (copied, made safe for the bus by
 * text_limit()), @accepted, and the time now. Always marks the property: the
 * time differs with every call.
 */
void status_set_check_sync(Status *status, const char *sender, gboolean accepted, const char *reason);
/** status_set_pairs: replace the pairs field @field (copied, NULL: none) and mark @property if it differs. */
void status_set_pairs(Status *status, GStrv *field, const char *const *pairs, const char *property);

/** status_take_changed: the changed property names, NULL-terminated (free with g_strfreev), or NULL if none. */
GStrv status_take_changed(Status *status);
