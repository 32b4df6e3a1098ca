/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apply-queue.h"

#include <gio/gio.h>
#include <malloc.h>

typedef struct {
        ApplyQueue *queue;
        ApplyJobWork work;
        ApplyJobDone done;
        gpointer data;
        GDestroyNotify destroy;
} ApplyJob;

struct ApplyQueue {
        GQueue waiting;   /* ApplyJob*, not started yet */
        ApplyJob *active; /* running in the worker, or completing */
        GMutex store_lock;
};

static void apply_job_free(ApplyJob *job) {
        if (job->destroy != NULL)
                job->destroy(job->data);
        g_free(job);
}

static void start_next(ApplyQueue *queue);

static void run_in_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable) {
        ApplyJob *job = task_data;

        job->work(job->queue, job->data);
        g_task_return_boolean(task, TRUE);
}

static void on_worker_done(GObject *source, GAsyncResult *result, gpointer user_data) {
        ApplyQueue *queue = user_data;
        ApplyJob *job = g_steal_pointer(&queue->active);

        if (job->done != NULL)
                job->done(job->data);
        apply_job_free(job);
        start_next(queue);
}

static void start_next(ApplyQueue *queue) {
        g_autoptr(GTask) task = NULL;

        if (queue->active != NULL || g_queue_is_empty(&queue->waiting))
                return;
        queue->active = g_queue_pop_head(&queue->waiting);
        task = g_task_new(NULL, NULL, on_worker_done, queue);
        g_task_set_task_data(task, queue->active, NULL);
        g_task_set_name(task, "provisiond apply");
        g_task_run_in_thread(task, run_in_worker);
}

ApplyQueue *apply_queue_new(void) {
        ApplyQueue *queue = g_new0(ApplyQueue, 1);

        g_queue_init(&queue->waiting);
        g_mutex_init(&queue->store_lock);
        return queue;
}

void apply_queue_drain(ApplyQueue *queue) {
        while (apply_queue_is_busy(queue))
                g_main_context_iteration(NULL, TRUE);
}

void apply_queue_free(ApplyQueue *queue) {
        if (queue == NULL)
                return;
        apply_queue_drain(queue);
        g_mutex_clear(&queue->store_lock);
        g_free(queue);
}

void apply_queue_push(ApplyQueue *queue, ApplyJobWork work, ApplyJobDone done, gpointer data,
                      GDestroyNotify destroy) {
        ApplyJob *job = g_new0(ApplyJob, 1);

        *job = (ApplyJob){ .queue = queue, .work = work, .done = done, .data = data, .destroy = destroy };
        g_queue_push_tail(&queue->waiting, job);
        start_next(queue);
}

gboolean apply_queue_is_busy(const ApplyQueue *queue) {
        return queue->active != NULL || !g_queue_is_empty((GQueue *) &queue->waiting);
}

GMutexLocker *apply_queue_lock_store(ApplyQueue *queue) {
        return g_mutex_locker_new(&queue->store_lock);
}

void apply_queue_trim_memory(void) {
        malloc_trim(0);
}
