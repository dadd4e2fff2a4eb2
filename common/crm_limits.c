/* SPDX-License-Identifier: MIT */
/* crm_limits.c: the limits of crm_limits.h that a test build may lower. */
#include "crm_limits.h"

#include <stdlib.h>

unsigned
crm_import_dry_run_rows(void)
{
#ifdef CRM_TEST_HOOKS
	const char *e = getenv("CRM_TEST_DRY_RUN_ROWS");
	if (e != NULL && atoi(e) > 0) {
		return (unsigned)atoi(e);
	}
#endif
	return CRM_IMPORT_DRY_RUN_ROWS;
}

unsigned
crm_export_page(void)
{
#ifdef CRM_TEST_HOOKS
	const char *e = getenv("CRM_TEST_EXPORT_PAGE");
	if (e != NULL && atoi(e) > 0) {
		return (unsigned)atoi(e);
	}
#endif
	return CRM_EXPORT_PAGE_DEFAULT;
}
