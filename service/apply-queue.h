/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place the stored settings change: applies (ApplyFile, a run's
 * documents, the check of the stored settings after start) run as jobs, one
 * at a time in the order they came, in a worker thread, so that the bus
 * thread stays free to answer while a large document is parsed, applied,
 * validated and committed. A job's completion runs on the main thread, and
 * only then does the next job start. Jobs never touch the bus or the status.
 *
 * The store is written only by a job, while it holds the store lock; the main
 * thread may read the store at any time it holds the lock (a job reads it
 * without: it is the only writer).
 */
#pragma once

#include <glib.h>

typedef struct ApplyQueue ApplyQueue;

/* Runs in the worker thread. */
typedef void (*ApplyJobWork)(ApplyQueue *queue, gpointer data);
/* Runs on the main thread after the work; the next job starts when it returns. */
typedef void (*ApplyJobDone)(gpointer data);

/** apply_queue_new: an empty queue; jobs run in GLib's worker threads, completions on the thread-default main context. */
ApplyQueue *apply_queue_new(void);

/**
 * apply_queue_free:
 * Waits (running the main context) until the queue is empty, so that no
 * job outlives what it works on, then frees it.
 */
void apply_queue_free(ApplyQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ApplyQueue, apply_queue_free)

/**
 * apply_queue_push:
 * Queues a job: @work(@data) in the worker, then @done(@data) on the main
 * thread, then @destroy(@data) (@done and @destroy may be NULL). Starts it at
 * once when no job is running.
 */
void apply_queue_push(ApplyQueue *queue, ApplyJobWork work, ApplyJobDone done, gpointer data,
                      GDestroyNotify destroy);

/** apply_queue_is_busy: whether a job is running or waiting. */
gboolean apply_queue_is_busy(const ApplyQueue *queue);

/** apply_queue_drain: runs the main context until every queued job is done (for shutdown). */
void apply_queue_drain(ApplyQueue *queue);

/**
 * apply_queue_lock_store:
 * Takes the store lock (see above); release it with g_mutex_locker_free(),
 * or g_autoptr(GMutexLocker).
 */
GMutexLocker *apply_queue_lock_store(ApplyQueue *queue);

/**
 * apply_queue_trim_memory:
 * Gives freed heap memory back to the system (malloc_trim()), for a job that
 * has just dropped a large document.
 */
void apply_queue_trim_memory(void);
