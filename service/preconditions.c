/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wait for the preconditions: both watches report changes, each report
 * schedules one evaluation in the main loop, the evaluation asks the network
 * and the clock and decides: done, still waiting (report the stage), or the
 * deadline has passed. All state changes of the wait happen in main-loop
 * callbacks of its own, never inside a watch's code, so that finishing can
 * free the watches.
 */
#include "preconditions.h"

#include "precondition-clock.h"
#include "precondition-network.h"
#include "provision.h"

typedef struct {
        PreconditionsConfig config;
        PreconditionsStageFunc stage_cb;
        gpointer user_data;
        GTask *task; /* owns this; this holds a reference on it until the wait completes */

        NetworkWatch *network; /* NULL when not checked */
        ClockWatch *clock;     /* NULL when not checked */
        const char *stage;     /* last reported, NULL before the first */
        gboolean deadline_passed;

        GSource *evaluate_source;
        GSource *timeout_source;
        GSource *cancel_source;
} Wait;

static const char *const time_source_names[] = {
        [PRECONDITIONS_TIME_NONE] = "none",
        [PRECONDITIONS_TIME_TIMEDATED] = "timedated",
        [PRECONDITIONS_TIME_KERNEL] = "kernel",
};

void preconditions_config_init_default(PreconditionsConfig *config) {
        *config = (PreconditionsConfig){
                .network = TRUE,
                .time = PRECONDITIONS_TIME_TIMEDATED,
                .timeout = PRECONDITIONS_DEFAULT_TIMEOUT,
        };
}

gboolean preconditions_time_source_from_string(const char *text, PreconditionsTimeSource *source) {
        for (gsize i = 0; i < G_N_ELEMENTS(time_source_names); i++)
                if (g_strcmp0(text, time_source_names[i]) == 0) {
                        *source = (PreconditionsTimeSource) i;
                        return TRUE;
                }
        return FALSE;
}

const char *preconditions_time_source_to_string(PreconditionsTimeSource source) {
        if ((gsize) source >= G_N_ELEMENTS(time_source_names))
                return "unknown";
        return time_source_names[source];
}

static void destroy_source(GSource **source) {
        if (*source == NULL)
                return;
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
}

static void wait_stop(Wait *wait) {
        destroy_source(&wait->evaluate_source);
        destroy_source(&wait->timeout_source);
        destroy_source(&wait->cancel_source);
        g_clear_pointer(&wait->network, network_watch_free);
        g_clear_pointer(&wait->clock, clock_watch_free);
}

static void wait_free(gpointer data) {
        Wait *wait = data;

        wait_stop(wait);
        g_free(wait);
}

/* Ends the wait; takes @error (NULL: the preconditions are met). The task
 * may be finalized, and @wait freed, when this returns. */
static void wait_complete(Wait *wait, GError *error) {
        g_autoptr(GTask) task = g_steal_pointer(&wait->task);

        wait_stop(wait);
        if (error != NULL)
                g_task_return_error(task, error);
        else
                g_task_return_boolean(task, TRUE);
}

/* A source of this wait, destroyed by wait_stop() before @wait can go away. */
static GSource *attach(Wait *wait, GSource *source, GSourceFunc callback) {
        g_source_set_callback(source, callback, wait, NULL);
        g_source_attach(source, g_task_get_context(wait->task));
        return source;
}

static GError *missing_error(Wait *wait, const char *network_reason) {
        g_autoptr(GString) message = g_string_new(NULL);
        guint timeout = wait->config.timeout;

        if (network_reason != NULL)
                g_string_append_printf(message,
                                       "no network: no interface with an address and a default route "
                                       "after %u s (%s)",
                                       timeout, network_reason);
        if (wait->clock != NULL && clock_watch_get_state(wait->clock) != CLOCK_STATE_SYNCHRONIZED)
                g_string_append_printf(message, "%sclock not synchronized (%s) after %u s",
                                       message->len > 0 ? "; " : "", clock_watch_get_reason(wait->clock),
                                       timeout);
        return g_error_new_literal(PROV_ERROR, PROV_ERROR_PRECONDITION, message->str);
}

static void report_stage(Wait *wait, const char *stage, const char *reason) {
        if (stage == NULL || g_strcmp0(stage, wait->stage) == 0)
                return;
        wait->stage = stage;
        g_message("preconditions: %s: %s", stage, reason);
        if (wait->stage_cb != NULL)
                wait->stage_cb(stage, wait->user_data);
}

static void evaluate(Wait *wait) {
        g_autofree char *network_reason = NULL;
        gboolean network_ready = !wait->config.network || network_usable_check(&network_reason);
        ClockState clock_state = wait->clock != NULL ? clock_watch_get_state(wait->clock) :
                                                       CLOCK_STATE_SYNCHRONIZED;

        if (network_ready && clock_state == CLOCK_STATE_SYNCHRONIZED) {
                if (wait->stage != NULL)
                        g_message("preconditions: met");
                wait_complete(wait, NULL);
        } else if (wait->deadline_passed && (wait->clock == NULL || clock_watch_is_settled(wait->clock))) {
                wait_complete(wait, missing_error(wait, network_reason));
        } else if (!network_ready) {
                report_stage(wait, PRECONDITIONS_STAGE_WAITING_FOR_NETWORK, network_reason);
        } else if (clock_state == CLOCK_STATE_UNSYNCHRONIZED) {
                report_stage(wait, PRECONDITIONS_STAGE_WAITING_FOR_TIME, clock_watch_get_reason(wait->clock));
        }
}

static gboolean on_evaluate(gpointer user_data) {
        Wait *wait = user_data;

        g_clear_pointer(&wait->evaluate_source, g_source_unref);
        evaluate(wait);
        return G_SOURCE_REMOVE;
}

/* Called by the watches: never evaluates inside their code. */
static void schedule_evaluate(gpointer user_data) {
        Wait *wait = user_data;

        if (wait->evaluate_source == NULL)
                wait->evaluate_source = attach(wait, g_idle_source_new(), on_evaluate);
}

static gboolean on_deadline(gpointer user_data) {
        Wait *wait = user_data;

        g_clear_pointer(&wait->timeout_source, g_source_unref);
        wait->deadline_passed = TRUE;
        /* A last look: a clock may be synchronized without an event (see precondition-clock.h). */
        if (wait->clock != NULL)
                clock_watch_refresh(wait->clock);
        schedule_evaluate(wait);
        return G_SOURCE_REMOVE;
}

static gboolean on_cancelled(GCancellable *cancellable, gpointer user_data) {
        Wait *wait = user_data;

        g_clear_pointer(&wait->cancel_source, g_source_unref);
        wait_complete(wait, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the wait was cancelled"));
        return G_SOURCE_REMOVE;
}

void preconditions_wait_async(const PreconditionsConfig *config, GCancellable *cancellable,
                              PreconditionsStageFunc stage_cb, GAsyncReadyCallback callback,
                              gpointer user_data) {
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
        g_autoptr(GError) error = NULL;
        Wait *wait = g_new0(Wait, 1);

        g_task_set_source_tag(task, preconditions_wait_async);
        wait->config = *config;
        wait->stage_cb = stage_cb;
        wait->user_data = user_data;
        wait->task = g_object_ref(task);
        g_task_set_task_data(task, wait, wait_free);

        if (config->time != PRECONDITIONS_TIME_NONE) {
                wait->clock = clock_watch_new(config->time, schedule_evaluate, wait, &error);
                if (wait->clock == NULL) {
                        wait_complete(wait, g_steal_pointer(&error));
                        return;
                }
        }
        if (config->network)
                wait->network = network_watch_new(schedule_evaluate, wait);
        if (cancellable != NULL)
                wait->cancel_source = attach(wait, g_cancellable_source_new(cancellable),
                                             G_SOURCE_FUNC(on_cancelled));
        /* Not g_timeout_source_new_seconds(): it may fire up to a second early. */
        wait->timeout_source = attach(
                wait, g_timeout_source_new(CLAMP(config->timeout, 1, G_MAXUINT / 1000) * 1000), on_deadline);
        schedule_evaluate(wait);
}

gboolean preconditions_wait_finish(GAsyncResult *result, GError **error) {
        g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
        g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == preconditions_wait_async, FALSE);

        return g_task_propagate_boolean(G_TASK(result), error);
}
