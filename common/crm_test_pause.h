/* SPDX-License-Identifier: MIT */
/*
 * crm_test_pause.h: a pause at a named moment, for a test to act in it
 * (kill the process, start another). Only a test build (CRM_TEST_HOOKS)
 * knows the moments' variables; an installed program has none of their
 * names and never pauses.
 */
#ifndef CRM_TEST_PAUSE_H
#define CRM_TEST_PAUSE_H

enum crm_test_moment {
	/* crm has crmd's answer to a write and has not said it yet:
	 * CRM_TEST_ANSWERED_PAUSE_MS (outbox_answer_test). */
	CRM_TEST_ANSWERED,
};

/*
 * crm_test_pause: in a test build, with the moment's variable set to N >
 * 0 (milliseconds), say the moment on stderr ("crm: answered; pausing
 * (test)") and sleep N ms. Otherwise nothing.
 */
void crm_test_pause(enum crm_test_moment m);

#endif
