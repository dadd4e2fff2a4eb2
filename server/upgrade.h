/* SPDX-License-Identifier: MIT */
/*
 * upgrade.h: bring a database written by an older crmd to the current
 * layout (STORE_SCHEMA_VERSION) before serving, in one transaction: a
 * crash mid-way leaves the old version, and the next start tries again.
 */
#ifndef UPGRADE_H
#define UPGRADE_H

#include "store.h"

/* upgrade_run: upgrade st when needed. Errors: CRM_UNSUPPORTED (data
 * newer than this crmd), CRM_INTERNAL, CRM_TOO_BIG (map full). */
crm_status upgrade_run(store *st);

#endif
