/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discover(): what a run without a URL would do before its download — the
 * preconditions, then the discovery — without downloading anything. For the
 * administrator's "why did my phone not find its server?" (provisionctl
 * discover). Reports through the GAsyncReadyCallback only.
 */
#pragma once

#include <gio/gio.h>

#include "discovery.h"
#include "preconditions.h"

/**
 * discover_async:
 * Waits for the preconditions of @preconditions (copied), then asks the
 * sources of @context (borrowed; must outlive the call) like a run would.
 */
void discover_async(const PreconditionsConfig *preconditions, const DiscoveryContext *context,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/**
 * discover_finish:
 * The discovery's result (transfer full; its url is NULL when no source found
 * one: that is an answer, not an error). NULL with PROV_ERROR_PRECONDITION
 * when the preconditions were not met in time, or G_IO_ERROR_CANCELLED.
 */
DiscoveryResult *discover_finish(GAsyncResult *result, GError **error);
