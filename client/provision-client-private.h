/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of libprovision share: the ProvClient struct and the method
 * call helpers. Not installed; the names lack the prov_ prefix so that the
 * version script keeps them local.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "provision.h"

#define SERVICE_NAME "org.provisiond.Provisioning1"
#define OBJECT_PATH "/org/provisiond/Provisioning1"
#define INTERFACE_NAME "org.provisiond.Provisioning1"

struct ProvClient {
        sd_bus *bus;
        sd_bus_slot *signal_slot; /* the match of prov_client_subscribe() */
        ProvSignalHandlers handlers;
        gpointer handlers_data;
        GSource *bus_source;          /* of prov_client_attach() */
        gboolean disconnect_reported; /* handlers.disconnected was called */
};

/* ---- method calls and their errors (provision-call.c) ---- */

/* Returns a new call of @method on the daemon's object, or NULL with @error. */
sd_bus_message *client_new_method_call(ProvClient *client, const char *method, GError **error);

/* client_new_method_call() and client_call() of a @method without arguments: the reply, or NULL
 * with @error. */
sd_bus_message *client_call_without_arguments(ProvClient *client, const char *method, GError **error);

/* Returns a new org.freedesktop.DBus.Properties.Get of the daemon's @property, or NULL with @error. */
sd_bus_message *client_new_property_get(ProvClient *client, const char *property, GError **error);

/* Sends @request and waits for the reply. Returns the reply, or NULL with a
 * PROV_ERROR mapped from the D-Bus error name. */
sd_bus_message *client_call(ProvClient *client, sd_bus_message *request, GError **error);

/* client_call() for methods that reply late (Discover): waits up to @timeout_usec. */
sd_bus_message *client_call_with_timeout(ProvClient *client, sd_bus_message *request, guint64 timeout_usec,
                                         GError **error);

/* Sets @error (PROV_ERROR_FAILED, or PROV_ERROR_UNREACHABLE for an errno that
 * means the connection is gone) for a failed sd-bus operation while doing
 * @what; @r is a negative errno. Returns FALSE, for "return client_fail(...)". */
gboolean client_fail(GError **error, int r, const char *what);

/* ---- the rest ---- */

/* Sends @request (ApplyFile, Rollback) and reads its a(sss) of section changes into
 * *@changes (a new array of ProvSectionChange; @changes may be NULL). Returns FALSE
 * with @error (provision-settings.c). */
gboolean client_call_for_section_changes(ProvClient *client, sd_bus_message *request, GPtrArray **changes,
                                         GError **error);

/* The fd to pass to ApplyFile for the document open as @fd: @fd itself for a
 * regular file; for a pipe, terminal or socket a sealed memfd with all that
 * @fd gives until its end, returned in *@copy too (the caller closes it).
 * Returns -1 with @error on failure (provision-document-fd.c). */
int client_document_fd(int fd, int *copy, GError **error);

/* The value of @key in the a{sv} @dictionary, or the neutral value when it is missing:
 * "" (a new string), 0 (provision-status.c). */
char *client_lookup_string(GVariant *dictionary, const char *key);
guint64 client_lookup_uint64(GVariant *dictionary, const char *key);
guint client_lookup_uint32(GVariant *dictionary, const char *key);

/* Reads the next value of @message, of any D-Bus type, into @ret (a new
 * reference). Returns a negative errno on failure (provision-status.c). */
int client_read_value(sd_bus_message *message, GVariant **ret);

/* Removes the client's GSource of prov_client_attach(), if any (provision-signals.c). */
void client_detach(ProvClient *client);
