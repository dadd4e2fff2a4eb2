/* SPDX-License-Identifier: MIT */
/*
 * config.h: crmd's settings. config_defaults() sets every field and says
 * why; config_usage() prints the help from the same values.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "crm_err.h"

#define CONFIG_MAX_LISTEN 8

struct srv_config {
	char *data_dir;
	char *listen[CONFIG_MAX_LISTEN];
	int n_listen;
	char *pub_url; /* the first of pub_urls, or NULL */
	/* Where pokes are published: --pub URL, else one beside each listen
	 * address that gives a default (ipc: PATH.pub, tcp: port + 1). */
	char *pub_urls[CONFIG_MAX_LISTEN];
	int n_pub;
	int workers;
	int allow_remote;
	size_t map_size;
	int log_level;    /* enum crm_log_level */
	int batch_max;    /* mutations per group commit */
	int queue_max;    /* mutations waiting for the writer */
	int trace_leaves; /* --trace-leaves (store_trace.c) */
};

/* config_defaults: every field's default (paths from XDG variables). */
void config_defaults(struct srv_config *c);
/* config_free: free the strings of c. */
void config_free(struct srv_config *c);
/*
 * config_parse: argv (after the program name) into c. Returns CRM_OK,
 * CRM_EINVAL (message printed), or CRM_NOT_FOUND for --help/--version
 * (already printed: exit 0).
 */
crm_status config_parse(struct srv_config *c, int argc, char **argv);

/*
 * config_default_pub: the PUB address used without --pub for the first
 * listen address (malloc'd): ipc://PATH gives ipc://PATH.pub,
 * tcp://HOST:PORT gives tcp://HOST:PORT+1; NULL for anything else.
 */
char *config_default_pub(const char *listen);
void config_usage(FILE *out);

/* config_runtime_dir: "$XDG_RUNTIME_DIR/crm" or "/tmp/crm-UID/crm".
 * Caller frees with free(). */
char *config_runtime_dir(void);

/*
 * config_check_url: whether crmd may bind url: ipc:// with an absolute
 * path a unix socket can hold, or tcp://HOST:PORT with a port 1..65535
 * and, unless allow_remote, a numeric loopback address (127.x.y.z).
 * Errors: CRM_EPERM (not loopback), CRM_EINVAL; *why says what is wrong
 * (static).
 */
crm_status config_check_url(
    const char *url, int allow_remote, const char **why /* OUT */);

/* config_prepare_ipc: for an ipc:// path, refuse a folder that is not
 * the user's own or is open to others (crm_path_check_ipc), create a
 * missing one (mode 0700 at each level) and check it again, and refuse
 * a path that holds anything but a socket (binding would remove it).
 * The reason is logged. Errors: CRM_INTERNAL, CRM_EPERM. */
crm_status config_prepare_ipc(const char *url);

#endif
