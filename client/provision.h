/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprovision — client library for provisiond, the device-side provisioning
 * service of a SIP desk phone.
 *
 * Every call is synchronous unless noted. Signals are delivered while the
 * client's bus is dispatched: attach the client to a GMainContext with
 * prov_client_attach() and run that context.
 */
#pragma once

#include <glib.h>

#include "provision-error.h"

G_BEGIN_DECLS

/* ---- Client ------------------------------------------------------------ */

/** ProvClient: a connection to provisiond. Not thread-safe: use it from one thread. */
typedef struct ProvClient ProvClient;

/** ProvBusType: which bus prov_client_new() connects to. */
typedef enum {
        PROV_BUS_SYSTEM,  /* honours DBUS_SYSTEM_BUS_ADDRESS */
        PROV_BUS_SESSION, /* honours DBUS_SESSION_BUS_ADDRESS */
} ProvBusType;

/**
 * prov_client_new: connects to provisiond on @bus_type. Returns NULL and sets
 * @error (PROV_ERROR_UNREACHABLE) if the bus cannot be connected to; its
 * message names the bus, the address tried and the reason ("cannot connect to
 * the system bus at unix:path=/run/dbus/system_bus_socket: No such file or directory").
 */
ProvClient *prov_client_new(ProvBusType bus_type, GError **error);

/**
 * prov_client_new_for_address: connects to the bus at a D-Bus @address (e.g.
 * "unix:path=/run/x"); errors as prov_client_new() ("cannot connect to the bus at ADDRESS: REASON").
 */
ProvClient *prov_client_new_for_address(const char *address, GError **error);

/**
 * prov_client_get_bus_address: the D-Bus address of the bus @client is
 * connected to, e.g. "unix:path=/run/dbus/system_bus_socket", for messages
 * that name the bus. Owned by @client; NULL if it is not known.
 */
const char *prov_client_get_bus_address(ProvClient *client);

/** prov_client_free: closes the connection and frees @client. Accepts NULL. */
void prov_client_free(ProvClient *client);

/**
 * ProvSectionChange: one section that an apply changed.
 * @section: section name, e.g. "telephony"
 * @version: the section's schema version after the change
 * @how: "replace", "merge" or "operations"
 */
typedef struct {
        char *section;
        char *version;
        char *how;
} ProvSectionChange;

/** prov_section_change_free: frees @change. Accepts NULL. */
void prov_section_change_free(ProvSectionChange *change);

/**
 * prov_client_apply_fd:
 * Applies the provisioning document readable from @fd. A regular file is
 * passed to the daemon, which reads it from its current offset; anything else
 * (a pipe, a terminal, a socket) is read here to its end (at most 64 MiB) into
 * a sealed memfd, which is passed instead. Failures on this side (a directory,
 * a read error, more than 64 MiB) are PROV_ERROR_FAILED. On success returns TRUE and,
 * if @changes is not NULL, a new array of ProvSectionChange (element free
 * function set). On failure returns FALSE with a PROV_ERROR.
 */
gboolean prov_client_apply_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error);

/** prov_client_apply_file: like prov_client_apply_fd() for the file at @path. */
gboolean prov_client_apply_file(ProvClient *client, const char *path, GPtrArray **changes, GError **error);

/**
 * prov_client_backup:
 * Returns a patch-type document (newly allocated) of the sections named in the
 * NULL-terminated @sections, or of all sections when @sections is NULL or empty.
 */
char *prov_client_backup(ProvClient *client, const char *const *sections, GError **error);

/**
 * prov_client_start:
 * Starts a provisioning run and returns at once, with its id in @run_id (may
 * be NULL). @url (NULL: the configured provisioning URL) may hold the markers
 * <MACADR>, {mac}, <SERIAL>, {serial}, <HWTYP> and {type}; @trigger (NULL:
 * "manual") is recorded in the status. While a run is active, a call without
 * @url or with the active run's URL joins it: @run_id is then the active
 * run's id. A call with another @url fails with PROV_ERROR_BUSY, whose message
 * names the active run's id and URL.
 *
 * The run ends with a Failed or Finished signal carrying @run_id. To wait for
 * it, call prov_client_subscribe() BEFORE this function, or a fast run may be
 * over before the subscription exists. Signals that arrive during this call
 * are queued and reach the handlers only afterwards, once @run_id is known.
 */
gboolean prov_client_start(ProvClient *client, const char *url, const char *trigger, guint64 *run_id,
                           GError **error);

/**
 * prov_client_cancel:
 * Cancels the active run: nothing of it is committed, and it ends with a
 * Failed signal naming org.provisiond.Provisioning1.Error.Cancelled. Fails
 * with PROV_ERROR_NOT_RUNNING when no run is active.
 */
gboolean prov_client_cancel(ProvClient *client, GError **error);

/**
 * ProvDiscovery: what Discover found (prov_client_discover()).
 * @source: the source that found @url ("dhcp", "redirect", "multicast",
 *   "configured"), "" when none did
 * @url: the URL, without credentials; "" when none
 * @findings: pairs source, what it said, NULL-terminated, in asking order
 */
typedef struct {
        char *source;
        char *url;
        char **findings;
} ProvDiscovery;

/**
 * prov_client_discover:
 * Asks the daemon what a run without a URL would find, without running it:
 * the preconditions, then every source (Discover). Blocks until the daemon
 * replies (at most the preconditions' timeout plus the multicast wait; this
 * call gives up after 10 minutes). Fails with PROV_ERROR_PRECONDITION when
 * the network or the clock was not ready in time, PROV_ERROR_BUSY while
 * another Discover runs, PROV_ERROR_ACCESS_DENIED unless root or in the
 * group provisioning. Nothing found is a result, not an error.
 */
ProvDiscovery *prov_client_discover(ProvClient *client, GError **error);

/** prov_discovery_free: frees @discovery. Accepts NULL. */
void prov_discovery_free(ProvDiscovery *discovery);

/**
 * prov_client_set_dhcp_options:
 * Hands the DHCP options a DHCP client got on @interface to the daemon, for
 * the DHCP source of provisioning (what the shipped DHCP hooks call).
 * @options maps GUINT_TO_POINTER(code) to the value as the client gives it
 * to its hooks (66 and 67 as text, 43 as hex in any common spelling); the
 * daemon keeps 43, 66 and 67 and ignores other codes. They replace what was
 * stored for @interface; NULL or an empty table forgets it (lease lost).
 * Fails with PROV_ERROR_INVALID_ARGS for a bad interface name or an
 * over-long value, PROV_ERROR_ACCESS_DENIED unless root or in the group
 * provisioning.
 */
gboolean prov_client_set_dhcp_options(ProvClient *client, const char *interface, GHashTable *options,
                                      GError **error);

/**
 * prov_client_check_sync:
 * Forwards a SIP NOTIFY with `Event: check-sync` (what the phone's SIP stack
 * does): @sender is the NOTIFY's source address (required), @event its Event
 * header (NULL: not given), @content_type and @body (NULL or empty: none; sent
 * as bytes) its body. Returns once the daemon has decided: a run started or
 * queued, or the body applied. Fails with PROV_ERROR_NOT_ALLOWED when the
 * settings do not honour a check-sync from @sender (provisioning or
 * /provisioning/sip/active off, sender not on the allowlist), and with the
 * errors of an apply for a body (PROV_ERROR_INVALID_FILE, …). The outcome is
 * also in ProvStatus' last_check_sync_* fields. See docs/sip-integration.md.
 */
gboolean prov_client_check_sync(ProvClient *client, const char *sender, const char *event,
                                const char *content_type, GBytes *body, GError **error);

/**
 * ProvStatus: the daemon's status, as GetStatus reports it.
 * @raw keeps the whole a{sv} dictionary so that keys newer than this library
 * can still be read.
 */
typedef struct {
        char *state;              /* "idle", "running" (a provisioning run), "applying" (ApplyFile) */
        char *last_result;        /* "none", "success", "failed", "cancelled" */
        char *last_error_name;    /* "" when none */
        char *last_error_message; /* "" when none */
        char **last_warnings;     /* NULL-terminated, never NULL */
        guint64 last_change;      /* µs since the epoch, 0 = never */
        guint64 settings_generation;
        GVariant *raw;            /* a{sv} */
        /* The active provisioning run, or the last one when none is active. */
        guint64 run_id;           /* 0 = no run yet */
        char *trigger;            /* "manual", the run's "trigger" option, or "boot", "schedule", "dhcp"; "" when none */
        char *url;                /* the URL the run started from, without credentials; "" when none */
        guint progress;           /* percent, 0..100 */
        guint64 last_run_started; /* µs since the epoch, 0 = never */
        guint64 last_run_finished;
        guint64 last_success;
        guint files_fetched;
        guint64 bytes_fetched;
        /* Appended: fields are only ever added at the end. */
        guint64 next_run;         /* µs since the epoch of the next automatic run (schedule or retry), 0 = none */
        /* The last CheckSync (LastCheckSync): sender "" and time 0 before the first. */
        char *last_check_sync_sender;      /* the NOTIFY's source address, as the SIP stack gave it */
        guint64 last_check_sync_time;      /* µs since the epoch, 0 = never */
        gboolean last_check_sync_accepted; /* FALSE: refused */
        char *last_check_sync_reason;      /* what was done, e.g. "run 3 started", or "NotAllowed: why" */
        /* Who found that run's URL: "manual", "dhcp", "redirect", "multicast", "configured"; "" while
         * discovering, when no source found one, or with a daemon older than this library. */
        char *source;
        /* What each source found in that run: pairs source, text ("url …", "skipped: …"), NULL-terminated,
         * never NULL; empty for a run with a URL given. */
        char **discovery;
} ProvStatus;

/** prov_client_get_status: returns the daemon's status (free with prov_status_free()). */
ProvStatus *prov_client_get_status(ProvClient *client, GError **error);

/** prov_status_free: frees @status. Accepts NULL. */
void prov_status_free(ProvStatus *status);

/**
 * ProvRun: one run of the daemon's run history (ListRuns), kept across restarts.
 * @raw keeps the whole a{sv} so that keys newer than this library can be read.
 */
typedef struct {
        guint64 number;           /* counts the runs across daemon restarts, from 1 */
        guint64 run_id;           /* the run's id in its daemon's life (ids restart at 1) */
        char *trigger;            /* "manual", "boot", … */
        char *source;             /* who found the URL: "manual", "configured", "dhcp", … */
        char *url;                /* without credentials; "" when the run had none */
        char *result;             /* "success", "failed" or "cancelled" */
        char *error_name;         /* a D-Bus error name; "" on success */
        guint files;              /* files fetched, references and 304s included */
        guint not_modified;       /* of them answered 304 Not Modified (body from the cache) */
        guint http_status;        /* of the run's last response; 0: none */
        guint sections_changed;
        guint64 bytes;            /* body bytes received */
        guint64 started;          /* µs since the epoch */
        guint64 duration;         /* µs */
        GVariant *raw;            /* a{sv} */
} ProvRun;

/** prov_run_free: frees @run. Accepts NULL. */
void prov_run_free(ProvRun *run);

/**
 * prov_client_list_runs:
 * The daemon's last runs, oldest first: a new array of ProvRun (element free
 * function set), or NULL with a PROV_ERROR. Everyone may read it.
 */
GPtrArray *prov_client_list_runs(ProvClient *client, GError **error);

/**
 * prov_client_get_source_stats:
 * The run history per URL source (the SourceStats property, not part of GetStatus): a new
 * a{sa{sv}}, source ("manual", "configured", "dhcp", "redirect", "multicast", "check-sync") to
 * Runs, Successes, Failures (t), LastResult (s), LastHttpStatus (u), LastUrl (s, without
 * credentials), LastRun (t, µs since the epoch). Free with g_variant_unref(); NULL with @error.
 */
GVariant *prov_client_get_source_stats(ProvClient *client, GError **error);

/**
 * ProvSignalHandlers: callbacks for the daemon's signals.
 * Every member may be NULL: that signal is then ignored. Strings are only
 * valid during the call. Initialise the struct with designated initialisers
 * (or zero it) so that members you do not set stay NULL; new members are only
 * ever added at the end.
 *
 * @section_applied: a section changed and is durable on disk; @run_id is 0
 *   for ApplyFile, @how is "replace", "merge" or "operations".
 * @progress: a run's @stage ("downloading", "applying", "committing",
 *   "done") and @percent (never goes down, 100 only after the commit);
 *   @detail is for people, e.g. "file 2 of 4 http://host/x.xml".
 * @failed: a run ended without changing anything; @error_name is a D-Bus
 *   error name, prov_error_set_from_dbus_name() turns it into a GError.
 * @finished: a run was committed, after its SectionApplied signals.
 * @disconnected: the connection to the bus was lost (the bus stopped, or the
 *   connection broke). Called once, while the client is attached (see
 *   prov_client_attach()); no signal follows, and every later call fails with
 *   PROV_ERROR_UNREACHABLE. A run may go on in the daemon meanwhile.
 *
 * Every run ends with exactly one of @failed and @finished.
 */
typedef struct {
        void (*section_applied)(guint64 run_id, const char *section, const char *version, const char *how,
                                gpointer user_data);
        void (*progress)(guint64 run_id, const char *stage, guint percent, const char *detail,
                         gpointer user_data);
        void (*failed)(guint64 run_id, const char *error_name, const char *message, gpointer user_data);
        void (*finished)(guint64 run_id, guint sections_changed, gpointer user_data);
        void (*disconnected)(gpointer user_data);
} ProvSignalHandlers;

/**
 * prov_client_subscribe_sized:
 * Delivers the daemon's signals (SectionApplied, Progress, Failed, Finished)
 * and the loss of the connection to @handlers with @user_data while the
 * client's bus is dispatched. One subscription per client; a second call
 * replaces the first. Returns FALSE with @error if the match could not be added.
 *
 * @handlers is a ProvSignalHandlers of @handlers_size bytes, copied: the
 * library copies only the members the caller's struct has, and members it
 * lacks (a caller built against an older provision.h) count as NULL; members
 * newer than the library are ignored. Call it as prov_client_subscribe(),
 * which passes the size of the caller's struct.
 */
gboolean prov_client_subscribe_sized(ProvClient *client, const ProvSignalHandlers *handlers,
                                     gsize handlers_size, gpointer user_data, GError **error);

/**
 * prov_client_subscribe:
 * prov_client_subscribe_sized() with the size of the ProvSignalHandlers the
 * caller was compiled with: (ProvClient *client, const ProvSignalHandlers
 * *handlers, gpointer user_data, GError **error).
 */
#define prov_client_subscribe(client, handlers, user_data, error) \
        prov_client_subscribe_sized((client), (handlers), sizeof(*(handlers)), (user_data), (error))

/**
 * prov_client_attach:
 * Dispatches the client's bus from @context (NULL: the global default context)
 * through a GSource, so that signals reach the handlers while the caller's
 * main loop runs. Attaching twice moves the source. If the connection is
 * already lost, the disconnected handler is called from @context (once per
 * client, however often it is attached).
 */
void prov_client_attach(ProvClient *client, GMainContext *context);

/* ---- Settings generations (docs/generations.md) ---------------------------- */

/**
 * ProvGeneration: one kept settings generation, as ListGenerations reports it.
 * @time: µs since the epoch of its commit
 * @trigger: a run's trigger ("manual", "boot", …), or "apply", "check-sync"
 *   (a CheckSync body), "rollback", "migration", "defaults", "start"
 * @source: a run's source ("configured", "dhcp", …), "file" for ApplyFile,
 *   "check-sync" for a CheckSync body,
 *   "generation N" for a rollback; "" when none
 * @url: a run's start URL without credentials; "" when none
 * @run_id: the run's id; 0 unless a run
 * @sections: the sections that commit changed (NULL-terminated, never NULL)
 * @restored: the generation a rollback restored; 0 otherwise
 * @raw: the whole a{sv}, keys newer than this library included
 */
typedef struct {
        guint64 generation;
        guint64 time;
        char *trigger;
        char *source;
        char *url;
        guint64 run_id;
        char **sections;
        guint64 restored;
        GVariant *raw;
} ProvGeneration;

/** prov_generation_free: frees @generation. Accepts NULL. */
void prov_generation_free(ProvGeneration *generation);

/**
 * prov_client_list_generations:
 * The kept settings generations, oldest first (the last is the current
 * settings), as a new array of ProvGeneration (element free function set).
 */
GPtrArray *prov_client_list_generations(ProvClient *client, GError **error);

/**
 * prov_client_rollback:
 * Restores kept generation @generation as a new commit (Rollback). On success,
 * if @changes is not NULL, a new array of ProvSectionChange (how "rollback").
 * PROV_ERROR_UNKNOWN_GENERATION when it is not kept; PROV_ERROR_VALIDATION
 * when its settings are not valid for this release (nothing changes);
 * PROV_ERROR_ACCESS_DENIED unless root or in the group provisioning.
 */
gboolean prov_client_rollback(ProvClient *client, guint64 generation, GPtrArray **changes, GError **error);

/**
 * ProvSettingDifference: one setting that differs between two generations.
 * @path: "/section/element/…" (keyed list elements as element[@key='value'],
 *   other repeated ones as element[n]; attributes as …/@name)
 * @change: "added", "removed", "changed" or "secret" (a password differs;
 *   @old_value and @new_value are then "")
 */
typedef struct {
        char *path;
        char *change;
        char *old_value;
        char *new_value;
} ProvSettingDifference;

/** prov_setting_difference_free: frees @difference. Accepts NULL. */
void prov_setting_difference_free(ProvSettingDifference *difference);

/**
 * prov_client_diff_generations:
 * The settings that differ from kept generation @from to kept generation @to
 * (DiffGenerations), as a new array of ProvSettingDifference (element free
 * function set). PROV_ERROR_UNKNOWN_GENERATION when one is not kept.
 */
GPtrArray *prov_client_diff_generations(ProvClient *client, guint64 from, guint64 to, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvClient, prov_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvStatus, prov_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvDiscovery, prov_discovery_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvSectionChange, prov_section_change_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvRun, prov_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvGeneration, prov_generation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvSettingDifference, prov_setting_difference_free)

G_END_DECLS
