/* SPDX-License-Identifier: MIT */
/*
 * reminders.h: live reminders for the interactive shell. The server's PUB
 * socket sends only content-free pokes ("poke N") and heartbeats
 * ("beat"); on a poke, and once a minute anyway, the shell asks for its
 * reminders over its own REQ connection (RemindersRequest) and prints
 * each one it has not shown yet above the prompt. The shell's poll loop
 * drives this module; it never sends while a command runs, so the REQ
 * socket's one-outstanding-request rule holds.
 */
#ifndef REMINDERS_H
#define REMINDERS_H

#include "commands.h"

#define REMINDERS_AHEAD_S   900   /* tasks due within 15 min */
#define REMINDERS_PERIOD_MS 60000 /* poll this often without pokes */
#define REMINDERS_GAP_MS    1000  /* at most one fetch per second */

/*
 * reminders_start: learn the server's PUB address (HelloRequest), open a
 * SUB socket subscribed to everything, and fetch once. Silent on failure:
 * the shell works without reminders (and retries with the minute poll).
 */
void reminders_start(struct cmd_ctx *ctx);

/* reminders_stop: close the SUB socket and forget what was shown. */
void reminders_stop(void);

/* reminders_fd: the SUB socket's NN_RCVFD for poll(), or -1. */
int reminders_fd(void);

/* reminders_timeout_ms: how long poll() may sleep before
 * reminders_tick() has work (-1: forever). */
int reminders_timeout_ms(void);

/* reminders_readable: drain the SUB socket (its fd polled readable); a
 * poke makes the next reminders_tick() fetch. */
void reminders_readable(void);

/*
 * reminders_tick: between commands, fetch and print the reminders when
 * poked or when the minute is up, at most once per REMINDERS_GAP_MS.
 */
void reminders_tick(struct cmd_ctx *ctx);

/*
 * reminders_session_changed: the logged-in user changed (login, logout):
 * forget what was shown and fetch at the next tick.
 */
void reminders_session_changed(void);

#endif
