/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ProvClient: the connection to provisiond and its methods and signals, over sd-bus. */
#define _GNU_SOURCE /* memfd_create(), F_ADD_SEALS */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

#define SERVICE_NAME "org.provisiond.Provisioning1"
#define OBJECT_PATH "/org/provisiond/Provisioning1"
#define INTERFACE_NAME "org.provisiond.Provisioning1"

/* Longer than sd-bus' 25 s default: validating a large document against its
 * schemas on a slow phone may take a while, but a hung daemon must not hang
 * its callers forever. */
#define CALL_TIMEOUT_USEC (120 * G_USEC_PER_SEC)

struct ProvClient {
        sd_bus *bus;
        sd_bus_slot *signal_slot; /* the match of prov_client_subscribe() */
        ProvSignalHandlers handlers;
        gpointer handlers_data;
        GSource *bus_source; /* of prov_client_attach() */
        gboolean disconnect_reported; /* handlers.disconnected was called */
};

/* The errnos with which sd-bus refuses to work on a connection that is gone. */
static gboolean errno_means_disconnected(int r) {
        return r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT;
}

gboolean client_fail(GError **error, int r, const char *what) {
        g_set_error(error, PROV_ERROR,
                    errno_means_disconnected(r) ? PROV_ERROR_UNREACHABLE : PROV_ERROR_FAILED, "%s: %s", what,
                    g_strerror(-r));
        return FALSE;
}

/* Takes over @bus. */
static ProvClient *client_new_for_bus(sd_bus *bus) {
        ProvClient *client = g_new0(ProvClient, 1);

        client->bus = bus;
        return client;
}

ProvClient *prov_client_new(ProvBusType bus_type, GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        int r;

        g_return_val_if_fail(bus_type == PROV_BUS_SYSTEM || bus_type == PROV_BUS_SESSION, NULL);

        if (bus_type == PROV_BUS_SYSTEM)
                r = sd_bus_open_system(&bus);
        else
                r = sd_bus_open_user(&bus);
        if (r < 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "Cannot connect to the %s bus: %s",
                            bus_type == PROV_BUS_SYSTEM ? "system" : "session", g_strerror(-r));
                return NULL;
        }
        return client_new_for_bus(g_steal_pointer(&bus));
}

ProvClient *prov_client_new_for_address(const char *address, GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        int r;

        g_return_val_if_fail(address != NULL, NULL);

        r = sd_bus_new(&bus);
        if (r < 0) {
                client_fail(error, r, "Cannot create a bus connection");
                return NULL;
        }
        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, TRUE);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "Cannot connect to the bus at %s: %s",
                            address, g_strerror(-r));
                return NULL;
        }
        return client_new_for_bus(g_steal_pointer(&bus));
}

static void client_detach(ProvClient *client) {
        if (client->bus_source == NULL)
                return;
        g_source_destroy(client->bus_source);
        g_clear_pointer(&client->bus_source, g_source_unref);
}

void prov_client_free(ProvClient *client) {
        if (client == NULL)
                return;
        client_detach(client);
        sd_bus_slot_unref(client->signal_slot);
        sd_bus_flush_close_unref(client->bus);
        g_free(client);
}

void prov_section_change_free(ProvSectionChange *change) {
        if (change == NULL)
                return;
        g_free(change->section);
        g_free(change->version);
        g_free(change->how);
        g_free(change);
}

sd_bus_message *client_new_method_call(ProvClient *client, const char *method, GError **error) {
        sd_bus_message *request = NULL;
        int r;

        r = sd_bus_message_new_method_call(client->bus, &request, SERVICE_NAME, OBJECT_PATH, INTERFACE_NAME,
                                           method);
        if (r < 0) {
                client_fail(error, r, "Cannot create a method call");
                return NULL;
        }
        return request;
}

sd_bus_message *client_new_property_get(ProvClient *client, const char *property, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        int r;

        r = sd_bus_message_new_method_call(client->bus, &request, SERVICE_NAME, OBJECT_PATH,
                                           "org.freedesktop.DBus.Properties", "Get");
        if (r >= 0)
                r = sd_bus_message_append(request, "ss", INTERFACE_NAME, property);
        if (r < 0) {
                client_fail(error, r, "Cannot create a property call");
                return NULL;
        }
        return g_steal_pointer(&request);
}

/* Our own error names keep their message as is; any other name (a bus
 * error, a local errno) goes into the message so that it is not lost. */
void prov_error_set_from_dbus_name(GError **error, const char *name, const char *message) {
        ProvError code;

        g_return_if_fail(name != NULL);

        code = prov_error_from_dbus_name(name);
        if (code == PROV_ERROR_FAILED)
                g_set_error(error, PROV_ERROR, code, "%s: %s", name, message != NULL ? message : "failed");
        else
                g_set_error_literal(error, PROV_ERROR, code, message != NULL ? message : name);
}

/* The bus' answers that mean the daemon did not get the request, or did not answer it. */
static const char *const unreachable_error_names[] = {
        SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,        SD_BUS_ERROR_NO_REPLY,
        SD_BUS_ERROR_TIMEOUT,         "org.freedesktop.DBus.Error.TimedOut", SD_BUS_ERROR_DISCONNECTED,
        SD_BUS_ERROR_NO_SERVER,
};
/* Activating the daemon failed: Spawn.ChildExited, Spawn.ExecFailed, ... */
#define SPAWN_ERROR_PREFIX "org.freedesktop.DBus.Error.Spawn."

static gboolean bus_error_means_unreachable(const sd_bus_error *bus_error) {
        for (size_t i = 0; i < G_N_ELEMENTS(unreachable_error_names); i++)
                if (sd_bus_error_has_name(bus_error, unreachable_error_names[i]))
                        return TRUE;
        return g_str_has_prefix(bus_error->name, SPAWN_ERROR_PREFIX);
}

/* sd_bus_call() reports its own failures (connection lost, no reply in time,
 * sending refused by the kernel) through its sd_bus_error too, under a name
 * made up from the errno (Disconnected, InvalidArgs, AccessDenied,
 * System.Error.ENOTCONN, ...) and with the errno's text as the message. Those
 * must not pass for the daemon's answers. */
static gboolean call_failed_locally(ProvClient *client, const sd_bus_error *bus_error, int r) {
        g_auto(sd_bus_error) made_up_error = SD_BUS_ERROR_NULL;

        if (!sd_bus_error_is_set(bus_error) || sd_bus_is_open(client->bus) <= 0)
                return TRUE;
        sd_bus_error_set_errno(&made_up_error, r);
        return sd_bus_error_has_name(bus_error, made_up_error.name) &&
                g_strcmp0(bus_error->message, made_up_error.message) == 0;
}

static void set_call_error(ProvClient *client, GError **error, const sd_bus_error *bus_error, int r) {
        const char *message;

        if (call_failed_locally(client, bus_error, r)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "Cannot reach provisiond: %s",
                            g_strerror(-r));
                return;
        }
        message = bus_error->message != NULL ? bus_error->message : g_strerror(-r);
        if (bus_error_means_unreachable(bus_error))
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "%s: %s", bus_error->name, message);
        else
                prov_error_set_from_dbus_name(error, bus_error->name, message);
}

sd_bus_message *client_call(ProvClient *client, sd_bus_message *request, GError **error) {
        return client_call_with_timeout(client, request, CALL_TIMEOUT_USEC, error);
}

sd_bus_message *client_call_with_timeout(ProvClient *client, sd_bus_message *request, guint64 timeout_usec,
                                         GError **error) {
        g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call(client->bus, request, timeout_usec, &bus_error, &reply);
        if (r < 0) {
                set_call_error(client, error, &bus_error, r);
                return NULL;
        }
        return reply;
}

GPtrArray *client_read_section_changes(sd_bus_message *reply, GError **error) {
        g_autoptr(GPtrArray)
                changes = g_ptr_array_new_with_free_func((GDestroyNotify) prov_section_change_free);
        const char *section, *version, *how;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (r < 0) {
                client_fail(error, r, "Cannot read the changed sections");
                return NULL;
        }
        while ((r = sd_bus_message_read(reply, "(sss)", &section, &version, &how)) > 0) {
                ProvSectionChange *change = g_new0(ProvSectionChange, 1);

                change->section = g_strdup(section);
                change->version = g_strdup(version);
                change->how = g_strdup(how);
                g_ptr_array_add(changes, change);
        }
        if (r < 0) {
                client_fail(error, r, "Cannot read the changed sections");
                return NULL;
        }
        return g_steal_pointer(&changes);
}

/* Bytes read from a pipe into a memfd at most: far above any MaxFileSize a
 * phone sets, but a runaway producer must not fill the RAM. */
#define PIPE_COPY_MAX_BYTES (64 * 1024 * 1024)

static gboolean fail_with_errno(GError **error, int saved_errno, const char *what) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "%s: %s", what, g_strerror(saved_errno));
        return FALSE;
}

static gboolean write_all(int fd, const char *data, size_t length, GError **error) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);

                if (written < 0 && errno == EINTR)
                        continue;
                if (written < 0)
                        return fail_with_errno(error, errno, "Cannot copy the document");
                data += written;
                length -= (size_t) written;
        }
        return TRUE;
}

/* Reads @fd to its end into @memfd. */
static gboolean copy_to_end(int fd, int memfd, GError **error) {
        char buffer[65536];
        size_t total = 0;

        for (;;) {
                ssize_t got = read(fd, buffer, sizeof(buffer));

                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return fail_with_errno(error, errno, "Cannot read the document");
                if (got == 0)
                        return TRUE;
                total += (size_t) got;
                if (total > PIPE_COPY_MAX_BYTES) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "Document larger than %d bytes",
                                    PIPE_COPY_MAX_BYTES);
                        return FALSE;
                }
                if (!write_all(memfd, buffer, (size_t) got, error))
                        return FALSE;
        }
}

/* The daemon takes only regular files (it needs the size, and content that
 * cannot change under it): a pipe, terminal or socket is read to its end into
 * a sealed memfd, which goes instead. Returns the fd to pass (@fd itself or
 * the new memfd in *@copy), or -1 with @error. */
static int fd_to_pass(int fd, int *copy, GError **error) {
        const unsigned seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
        struct stat st;
        int memfd;

        if (fstat(fd, &st) < 0) {
                fail_with_errno(error, errno, "Cannot inspect the document's file descriptor");
                return -1;
        }
        if (S_ISREG(st.st_mode))
                return fd;
        if (S_ISDIR(st.st_mode)) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_FAILED, "Is a directory");
                return -1;
        }
        memfd = memfd_create("provisioning-document", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0) {
                fail_with_errno(error, errno, "Cannot create a memory file for the document");
                return -1;
        }
        if (!copy_to_end(fd, memfd, error)) {
                close(memfd);
                return -1;
        }
        if (lseek(memfd, 0, SEEK_SET) < 0 || fcntl(memfd, F_ADD_SEALS, seals) < 0) {
                fail_with_errno(error, errno, "Cannot seal the memory file of the document");
                close(memfd);
                return -1;
        }
        *copy = memfd;
        return memfd;
}

static gboolean apply_regular_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error);

gboolean prov_client_apply_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error) {
        int copy = -1;
        int passed;
        gboolean applied;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(fd >= 0, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        passed = fd_to_pass(fd, &copy, error);
        if (passed < 0)
                return FALSE;
        applied = apply_regular_fd(client, passed, changes, error);
        if (copy >= 0)
                close(copy);
        return applied;
}

static gboolean apply_regular_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) applied = NULL;
        int r;

        /* Else sd-bus fails the call with a made-up NotSupported, as if the daemon had refused. */
        if (sd_bus_can_send(client->bus, SD_BUS_TYPE_UNIX_FD) == 0) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_FAILED,
                                    "This bus connection cannot pass file descriptors");
                return FALSE;
        }
        request = client_new_method_call(client, "ApplyFile", error);
        if (request == NULL)
                return FALSE;
        /* No option keys are defined yet: an empty dictionary. */
        r = sd_bus_message_append(request, "ha{sv}", fd, 0);
        if (r < 0)
                return client_fail(error, r, "Cannot pass the file descriptor");

        reply = client_call(client, request, error);
        if (reply == NULL)
                return FALSE;
        applied = client_read_section_changes(reply, error);
        if (applied == NULL)
                return FALSE;
        if (changes != NULL)
                *changes = g_steal_pointer(&applied);
        return TRUE;
}

gboolean prov_client_apply_file(ProvClient *client, const char *path, GPtrArray **changes, GError **error) {
        gboolean applied;
        int fd;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(path != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                int saved_errno = errno;
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "Cannot open %s: %s", path,
                            g_strerror(saved_errno));
                return FALSE;
        }
        applied = prov_client_apply_fd(client, fd, changes, error);
        close(fd);
        return applied;
}

char *prov_client_backup(ProvClient *client, const char *const *sections, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        const char *xml;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_method_call(client, "Backup", error);
        if (request == NULL)
                return NULL;
        /* sd-bus appends a NULL list as an empty array: "all sections". */
        r = sd_bus_message_append_strv(request, (char **) sections);
        if (r < 0) {
                client_fail(error, r, "Cannot append the section names");
                return NULL;
        }
        reply = client_call(client, request, error);
        if (reply == NULL)
                return NULL;
        r = sd_bus_message_read(reply, "s", &xml);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of Backup");
                return NULL;
        }
        return g_strdup(xml);
}

/* Appends {"key": <"value">} to an open a{sv}, unless @value is NULL. */
static int append_string_option(sd_bus_message *request, const char *key, const char *value) {
        if (value == NULL)
                return 0;
        return sd_bus_message_append(request, "{sv}", key, "s", value);
}

static int append_start_options(sd_bus_message *request, const char *url, const char *trigger) {
        int r;

        r = sd_bus_message_open_container(request, 'a', "{sv}");
        if (r >= 0)
                r = append_string_option(request, "url", url);
        if (r >= 0)
                r = append_string_option(request, "trigger", trigger);
        if (r >= 0)
                r = sd_bus_message_close_container(request);
        return r;
}

gboolean prov_client_start(ProvClient *client, const char *url, const char *trigger, guint64 *run_id,
                           GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        uint64_t started_run_id;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "StartProvisioning", error);
        if (request == NULL)
                return FALSE;
        r = append_start_options(request, url, trigger);
        if (r < 0)
                return client_fail(error, r, "Cannot append the options of StartProvisioning");
        /* sd_bus_call() queues the signals that arrive meanwhile: the
         * handlers see them only after the caller has the run id. */
        reply = client_call(client, request, error);
        if (reply == NULL)
                return FALSE;
        r = sd_bus_message_read(reply, "t", &started_run_id);
        if (r < 0)
                return client_fail(error, r, "Cannot read the reply of StartProvisioning");
        if (run_id != NULL)
                *run_id = started_run_id;
        return TRUE;
}

gboolean prov_client_cancel(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "Cancel", error);
        if (request == NULL)
                return FALSE;
        reply = client_call(client, request, error);
        return reply != NULL;
}

/* ---- Signals: each dispatcher reads one signal's arguments and calls its handler. */

static int dispatch_section_applied(sd_bus_message *message, const ProvSignalHandlers *handlers,
                                    gpointer user_data) {
        const char *section, *version, *how;
        uint64_t run_id;
        int r;

        if (handlers->section_applied == NULL)
                return 0;
        r = sd_bus_message_read(message, "tsss", &run_id, &section, &version, &how);
        if (r >= 0)
                handlers->section_applied(run_id, section, version, how, user_data);
        return r;
}

static int dispatch_progress(sd_bus_message *message, const ProvSignalHandlers *handlers,
                             gpointer user_data) {
        const char *stage, *detail;
        uint64_t run_id;
        uint32_t percent;
        int r;

        if (handlers->progress == NULL)
                return 0;
        r = sd_bus_message_read(message, "tsus", &run_id, &stage, &percent, &detail);
        if (r >= 0)
                handlers->progress(run_id, stage, percent, detail, user_data);
        return r;
}

static int dispatch_failed(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data) {
        const char *error_name, *error_message;
        uint64_t run_id;
        int r;

        if (handlers->failed == NULL)
                return 0;
        r = sd_bus_message_read(message, "tss", &run_id, &error_name, &error_message);
        if (r >= 0)
                handlers->failed(run_id, error_name, error_message, user_data);
        return r;
}

static int dispatch_finished(sd_bus_message *message, const ProvSignalHandlers *handlers,
                             gpointer user_data) {
        uint64_t run_id;
        uint32_t sections_changed;
        int r;

        if (handlers->finished == NULL)
                return 0;
        r = sd_bus_message_read(message, "tu", &run_id, &sections_changed);
        if (r >= 0)
                handlers->finished(run_id, sections_changed, user_data);
        return r;
}

static const struct {
        const char *member;
        const char *signature;
        int (*dispatch)(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data);
} signal_dispatchers[] = {
        { "SectionApplied", "tsss", dispatch_section_applied },
        { "Progress", "tsus", dispatch_progress },
        { "Failed", "tss", dispatch_failed },
        { "Finished", "tu", dispatch_finished },
};

static int on_signal(sd_bus_message *message, void *user_data, sd_bus_error *ret_error) {
        ProvClient *client = user_data;

        for (size_t i = 0; i < G_N_ELEMENTS(signal_dispatchers); i++) {
                if (!sd_bus_message_is_signal(message, INTERFACE_NAME, signal_dispatchers[i].member))
                        continue;
                /* Not ours to fail: someone sent a malformed signal. */
                if (sd_bus_message_has_signature(message, signal_dispatchers[i].signature) <= 0 ||
                    signal_dispatchers[i].dispatch(message, &client->handlers, client->handlers_data) < 0)
                        g_debug("ignoring a malformed %s signal", signal_dispatchers[i].member);
                return 0;
        }
        return 0; /* a signal newer than this library */
}

gboolean prov_client_subscribe_sized(ProvClient *client, const ProvSignalHandlers *handlers,
                                     gsize handlers_size, gpointer user_data, GError **error) {
        g_autoptr(sd_bus_slot) slot = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(handlers != NULL, FALSE);
        /* Whole members only: the struct holds nothing but function pointers. */
        g_return_val_if_fail(handlers_size % sizeof(handlers->finished) == 0, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        /* One match for every signal of the interface (member NULL).
         * Synchronous AddMatch: once this returns, no signal of a later call is missed. */
        r = sd_bus_match_signal(client->bus, &slot, SERVICE_NAME, OBJECT_PATH, INTERFACE_NAME, NULL,
                                on_signal, client);
        if (r < 0)
                return client_fail(error, r, "Cannot subscribe to the daemon's signals");

        sd_bus_slot_unref(client->signal_slot);
        client->signal_slot = g_steal_pointer(&slot);
        /* Members the caller's (older) struct lacks stay NULL; those of a newer one are ignored. */
        memset(&client->handlers, 0, sizeof(client->handlers));
        memcpy(&client->handlers, handlers, MIN(handlers_size, sizeof(client->handlers)));
        client->handlers_data = user_data;
        return TRUE;
}

/* The callback of the client's source: the bus source calls it once it cannot
 * process the bus any more, i.e. the connection is gone. */
static gboolean report_disconnected(gpointer user_data) {
        ProvClient *client = user_data;

        if (!client->disconnect_reported && client->handlers.disconnected != NULL) {
                client->disconnect_reported = TRUE;
                client->handlers.disconnected(client->handlers_data);
        }
        return G_SOURCE_REMOVE;
}

void prov_client_attach(ProvClient *client, GMainContext *context) {
        g_return_if_fail(client != NULL);

        client_detach(client);
        /* A closed connection has no fd left to watch: report its loss at once. */
        if (sd_bus_get_fd(client->bus) < 0)
                client->bus_source = g_idle_source_new();
        else
                client->bus_source = prov_bus_source_new(client->bus);
        g_source_set_callback(client->bus_source, report_disconnected, client, NULL);
        g_source_attach(client->bus_source, context);
}
