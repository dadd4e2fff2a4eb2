/* SPDX-License-Identifier: MIT */
/*
 * crm_log.h: one-line log messages on stderr with a level and a UTC time.
 * Thread-safe (one fprintf per line). Not an audit trail: that is in LMDB.
 */
#ifndef CRM_LOG_H
#define CRM_LOG_H

enum crm_log_level { CRM_LOG_DEBUG, CRM_LOG_INFO, CRM_LOG_WARN, CRM_LOG_ERR };

/* crm_log_set_level: messages below level are dropped (default INFO). */
void crm_log_set_level(enum crm_log_level level);
void crm_log(enum crm_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define crm_debug(...) crm_log(CRM_LOG_DEBUG, __VA_ARGS__)
#define crm_info(...)  crm_log(CRM_LOG_INFO, __VA_ARGS__)
#define crm_warn(...)  crm_log(CRM_LOG_WARN, __VA_ARGS__)
#define crm_err(...)   crm_log(CRM_LOG_ERR, __VA_ARGS__)

#endif
