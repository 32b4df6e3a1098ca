/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client side of the daemon benchmarks (bench-daemon.py), on the system
 * bus, with sd-bus so that the client adds as little as possible:
 *
 *   bench-client roundtrip NAME PATH INTERFACE COUNT
 *       COUNT GetStatus calls; prints "mean_us p50_us p99_us".
 *   bench-client apply FILE
 *       one ApplyFile of FILE to provisiond; prints "seconds sections".
 *   bench-client apply-probe FILE
 *       ApplyFile of FILE, and GetStatus calls on a second connection until
 *       its reply arrives; prints "samples p50_ms p99_ms max_ms applying",
 *       applying being how many answers said State=applying.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#define NAME "org.provisiond.Provisioning1"
#define PATH "/org/provisiond/Provisioning1"
#define INTERFACE "org.provisiond.Provisioning1"
#define CALL_TIMEOUT_USEC (600 * G_USEC_PER_SEC)

static int compare_doubles(gconstpointer a, gconstpointer b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double percentile(GArray *samples, double fraction) {
        guint index = (guint) (fraction * (samples->len - 1) + 0.5);

        return g_array_index(samples, double, MIN(index, samples->len - 1));
}

static sd_bus *open_bus(void) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r < 0) {
                g_printerr("bench-client: cannot connect to the system bus: %s\n", g_strerror(-r));
                exit(EXIT_FAILURE);
        }
        return bus;
}

/* One GetStatus; returns whether it succeeded and sets *applying if State=applying. */
static gboolean get_status(sd_bus *bus, const char *name, const char *path, const char *interface,
                           gboolean *applying) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *key, *state;
        int r = sd_bus_call_method(bus, name, path, interface, "GetStatus", &error, &reply, "");

        if (r < 0) {
                g_printerr("bench-client: GetStatus: %s\n",
                           error.message != NULL ? error.message : g_strerror(-r));
                sd_bus_error_free(&error);
                return FALSE;
        }
        *applying = FALSE;
        if (sd_bus_message_enter_container(reply, 'a', "{sv}") >= 0) {
                while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                        if (sd_bus_message_read(reply, "s", &key) >= 0 && strcmp(key, "State") == 0 &&
                            sd_bus_message_read(reply, "v", "s", &state) >= 0)
                                *applying = strcmp(state, "applying") == 0;
                        else
                                sd_bus_message_skip(reply, "v");
                        sd_bus_message_exit_container(reply);
                }
        }
        sd_bus_message_unref(reply);
        return TRUE;
}

/* One GetStatus whose reply is not read: the round trip alone, whatever the reply holds. */
static gboolean call_get_status(sd_bus *bus, const char *name, const char *path, const char *interface) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, name, path, interface, "GetStatus", &error, &reply, "");

        if (r < 0)
                g_printerr("bench-client: GetStatus: %s\n",
                           error.message != NULL ? error.message : g_strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return r >= 0;
}

static int roundtrip(const char *name, const char *path, const char *interface, guint count) {
        sd_bus *bus = open_bus();
        g_autoptr(GArray) samples = g_array_new(FALSE, FALSE, sizeof(double));
        double total = 0;

        call_get_status(bus, name, path, interface); /* warm up: name lookup, first allocations */
        for (guint i = 0; i < count; i++) {
                gint64 start = g_get_monotonic_time();
                double micros;
                if (!call_get_status(bus, name, path, interface))
                        return EXIT_FAILURE;
                micros = (double) (g_get_monotonic_time() - start);
                g_array_append_val(samples, micros);
                total += micros;
        }
        g_array_sort(samples, compare_doubles);
        g_print("%.1f %.1f %.1f\n", total / count, percentile(samples, 0.5), percentile(samples, 0.99));
        sd_bus_flush_close_unref(bus);
        return EXIT_SUCCESS;
}

static int open_document(const char *file) {
        int fd = open(file, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                g_printerr("bench-client: %s: %s\n", file, g_strerror(errno));
                exit(EXIT_FAILURE);
        }
        return fd;
}

static int count_sections(sd_bus_message *reply) {
        const char *section, *version, *how;
        int count = 0;

        if (sd_bus_message_enter_container(reply, 'a', "(sss)") < 0)
                return -1;
        while (sd_bus_message_read(reply, "(sss)", &section, &version, &how) > 0)
                count++;
        return count;
}

static int apply(const char *file) {
        sd_bus *bus = open_bus();
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int fd = open_document(file);
        gint64 start = g_get_monotonic_time();
        int r = sd_bus_call_method(bus, NAME, PATH, INTERFACE, "ApplyFile", &error, &reply, "ha{sv}", fd, 0);
        double seconds = (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;

        close(fd);
        if (r < 0) {
                g_printerr("bench-client: ApplyFile: %s\n",
                           error.message != NULL ? error.message : g_strerror(-r));
                return EXIT_FAILURE;
        }
        g_print("%.6f %d\n", seconds, count_sections(reply));
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        return EXIT_SUCCESS;
}

typedef struct {
        gboolean done;
        gboolean failed;
} ApplyCall;

static int on_applied(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ApplyCall *call = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(reply);

        call->done = TRUE;
        if (error != NULL) {
                g_printerr("bench-client: ApplyFile: %s\n", error->message);
                call->failed = TRUE;
        }
        return 0;
}

static int apply_probe(const char *file) {
        sd_bus *apply_bus = open_bus();
        sd_bus *probe_bus = open_bus();
        g_autoptr(GArray) samples = g_array_new(FALSE, FALSE, sizeof(double));
        sd_bus_message *call = NULL;
        ApplyCall state = { FALSE, FALSE };
        guint applying_count = 0;
        gboolean applying;
        int fd = open_document(file);
        int r;

        get_status(probe_bus, NAME, PATH, INTERFACE, &applying); /* warm up */
        r = sd_bus_message_new_method_call(apply_bus, &call, NAME, PATH, INTERFACE, "ApplyFile");
        if (r >= 0)
                r = sd_bus_message_append(call, "ha{sv}", fd, 0);
        if (r >= 0)
                r = sd_bus_call_async(apply_bus, NULL, call, on_applied, &state, CALL_TIMEOUT_USEC);
        sd_bus_message_unref(call);
        close(fd);
        while (r >= 0 && !state.done) {
                gint64 start = g_get_monotonic_time();
                double millis;
                if (!get_status(probe_bus, NAME, PATH, INTERFACE, &applying))
                        return EXIT_FAILURE;
                millis = (double) (g_get_monotonic_time() - start) / 1000.0;
                g_array_append_val(samples, millis);
                applying_count += applying;
                while ((r = sd_bus_process(apply_bus, NULL)) > 0)
                        ;
        }
        if (r < 0 || state.failed || samples->len == 0) {
                g_printerr("bench-client: apply-probe failed: %s\n", r < 0 ? g_strerror(-r) : "no sample");
                return EXIT_FAILURE;
        }
        g_array_sort(samples, compare_doubles);
        g_print("%u %.2f %.2f %.2f %u\n", samples->len, percentile(samples, 0.5), percentile(samples, 0.99),
                g_array_index(samples, double, samples->len - 1), applying_count);
        sd_bus_flush_close_unref(apply_bus);
        sd_bus_flush_close_unref(probe_bus);
        return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        if (argc == 6 && strcmp(argv[1], "roundtrip") == 0)
                return roundtrip(argv[2], argv[3], argv[4], (guint) g_ascii_strtoull(argv[5], NULL, 10));
        if (argc == 3 && strcmp(argv[1], "apply") == 0)
                return apply(argv[2]);
        if (argc == 3 && strcmp(argv[1], "apply-probe") == 0)
                return apply_probe(argv[2]);
        g_printerr("usage: bench-client roundtrip NAME PATH INTERFACE COUNT | apply FILE | apply-probe FILE\n");
        return 2;
}
