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

G_BEGIN_DECLS

/* ---- Errors ------------------------------------------------------------ */

/**
 * PROV_ERROR:
 *
 * The error domain of libprovision. Each code maps to one D-Bus error name
 * `org.provisiond.Provisioning1.Error.<Name>` (see prov_error_to_dbus_name());
 * the same table is used by the daemon, so the names are permanent API.
 */
#define PROV_ERROR (prov_error_quark())

typedef enum {
        PROV_ERROR_FAILED,               /* any error without a name of ours */
        PROV_ERROR_INVALID_ARGS,         /* org.freedesktop.DBus.Error.InvalidArgs */
        PROV_ERROR_ACCESS_DENIED,        /* org.freedesktop.DBus.Error.AccessDenied */
        PROV_ERROR_INVALID_FILE,         /* .Error.InvalidFile: unreadable, malformed or unsafe document */
        PROV_ERROR_REFERENCE_NOT_ALLOWED, /* .Error.ReferenceNotAllowed: reference document given to ApplyFile */
        PROV_ERROR_VALIDATION,           /* .Error.Validation: a section fails its XSD */
        PROV_ERROR_STORAGE,              /* .Error.Storage: the settings could not be committed */
        PROV_ERROR_LAST
} ProvError;

/** prov_error_quark: the GQuark of PROV_ERROR. */
GQuark prov_error_quark(void);

/**
 * prov_error_to_dbus_name:
 * Returns the D-Bus error name of @code (static string), or NULL for
 * PROV_ERROR_FAILED and out-of-range codes.
 */
const char *prov_error_to_dbus_name(ProvError code);

/**
 * prov_error_from_dbus_name:
 * Returns the code registered for the D-Bus error @name, or
 * PROV_ERROR_FAILED for names that are not in the table (or NULL).
 */
ProvError prov_error_from_dbus_name(const char *name);

/* ---- Client ------------------------------------------------------------ */

/** ProvClient: a connection to provisiond. Not thread-safe: use it from one thread. */
typedef struct ProvClient ProvClient;

/** ProvBusType: which bus prov_client_new() connects to. */
typedef enum {
        PROV_BUS_SYSTEM,  /* honours DBUS_SYSTEM_BUS_ADDRESS */
        PROV_BUS_SESSION, /* honours DBUS_SESSION_BUS_ADDRESS */
} ProvBusType;

/** prov_client_new: connects to provisiond on @bus_type. Returns NULL and sets @error on failure. */
ProvClient *prov_client_new(ProvBusType bus_type, GError **error);

/** prov_client_new_for_address: connects to the bus at a D-Bus @address (e.g. "unix:path=/run/x"). */
ProvClient *prov_client_new_for_address(const char *address, GError **error);

/** prov_client_free: closes the connection and frees @client. Accepts NULL. */
void prov_client_free(ProvClient *client);

/**
 * ProvSectionChange: one section that an apply changed.
 * @section: section name, e.g. "telephony"
 * @version: the section's schema version after the change
 * @how: "replace", "merge" (and later "operations")
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
 * Applies the provisioning document readable from @fd (the fd is passed to the
 * daemon, which reads it from its current offset). On success returns TRUE and,
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
 * ProvStatus: the daemon's status, as GetStatus reports it.
 * @raw keeps the whole a{sv} dictionary so that keys newer than this library
 * can still be read.
 */
typedef struct {
        char *state;              /* "idle", "applying" */
        char *last_result;        /* "none", "success", "failed" */
        char *last_error_name;    /* "" when none */
        char *last_error_message; /* "" when none */
        char **last_warnings;     /* NULL-terminated, never NULL */
        guint64 last_change;      /* µs since the epoch, 0 = never */
        guint64 settings_generation;
        GVariant *raw;            /* a{sv} */
} ProvStatus;

/** prov_client_get_status: returns the daemon's status (free with prov_status_free()). */
ProvStatus *prov_client_get_status(ProvClient *client, GError **error);

/** prov_status_free: frees @status. Accepts NULL. */
void prov_status_free(ProvStatus *status);

/**
 * ProvSignalHandlers: callbacks for the daemon's signals. Any may be NULL.
 * Strings are only valid during the call.
 */
typedef struct {
        void (*section_applied)(guint64 run_id, const char *section, const char *version, const char *how,
                                gpointer user_data);
} ProvSignalHandlers;

/**
 * prov_client_subscribe:
 * Delivers the daemon's signals to @handlers (copied) with @user_data while the
 * client's bus is dispatched. One subscription per client; a second call
 * replaces the first. Returns FALSE with @error if the match could not be added.
 */
gboolean prov_client_subscribe(ProvClient *client, const ProvSignalHandlers *handlers, gpointer user_data,
                               GError **error);

/**
 * prov_client_attach:
 * Dispatches the client's bus from @context (NULL: the global default context)
 * through a GSource, so that signals reach the handlers while the caller's
 * main loop runs. Attaching twice moves the source.
 */
void prov_client_attach(ProvClient *client, GMainContext *context);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvClient, prov_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvStatus, prov_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvSectionChange, prov_section_change_free)

G_END_DECLS
