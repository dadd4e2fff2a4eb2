/* SPDX-License-Identifier: MIT */
/*
 * cli_backup.c: `crmd backup [--data DIR] OUT`, the offline command that
 * copies a (possibly live) database into a new folder. Argument parsing
 * and messages only; the copy itself is backup.c's, in a copy process
 * that is this command again with the hidden --child.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "cli.h"
#include "config.h"
#include "crm.h"
#include "store.h"

static int
backup_usage(FILE *out)
{
	fprintf(out, "Usage: crmd backup [--data DIR] OUT\n"
	             "Copies the database in DIR (default: crmd's data "
	             "folder) into the new\nfolder OUT: hot (crmd may be "
	             "running), compacted, verified, then\nrenamed into "
	             "place.\n");
	return out == stdout ? 0 : 2;
}

int
cli_backup(int argc, char **argv)
{
	/* --child: run as backup_make's copy process (backup.h); not in
	 * the usage, no one types it. */
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "child", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct srv_config cfg;
	config_defaults(&cfg);
	int ch, child = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		if (ch == 'd') {
			free(cfg.data_dir);
			cfg.data_dir = crm_xstrdup(optarg);
		} else if (ch == 'C') {
			child = 1;
		} else {
			config_free(&cfg);
			return backup_usage(ch == 'h' ? stdout : stderr);
		}
	}
	if (optind != argc - 1) {
		config_free(&cfg);
		return backup_usage(stderr);
	}
	if (child) {
		int code = backup_child(cfg.data_dir, argv[optind]);
		config_free(&cfg);
		return code;
	}
	if (argv[optind][strspn(argv[optind], " \t")] == '\0') {
		fprintf(stderr, "crmd: backup: the backup's name is empty; "
		                "give a name or a path\n");
		config_free(&cfg);
		return 2;
	}
	/* Opened here for what it says when the data will not do (none,
	 * another schema, cut short); the copy process opens its own. */
	store *st = store_new();
	crm_status orc = store_open(st, cfg.data_dir, 0, STORE_READ_ONLY);
	if (orc != CRM_OK) {
		if (orc == CRM_NOT_FOUND) {
			fprintf(
			    stderr, "crmd: no database in %s\n", cfg.data_dir);
		} else {
			fprintf(stderr, "crmd: no backup made of %s\n",
			    cfg.data_dir);
		}
		config_free(&cfg);
		store_free(st);
		return 1;
	}
	store_close(st);
	store_free(st);
	/* As the shell's `backup NAME`: a plain name goes to the backups
	 * folder beside the data folder; a path's missing parent folder
	 * (one level) is made, 0700. */
	const char *arg = argv[optind];
	char *out = NULL;
	if (strchr(arg, '/') == NULL && strcmp(arg, ".") != 0 &&
	    strcmp(arg, "..") != 0) {
		char *copy = crm_xstrdup(cfg.data_dir);
		out = crm_xasprintf("%s/backups/%s", dirname(copy), arg);
		free(copy);
	} else {
		out = crm_xstrdup(arg);
	}
	char *parent = crm_xstrdup(out);
	char *pdir = dirname(parent);
	if (mkdir(pdir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr,
		    "crmd: backup failed: the folder %s is missing and "
		    "cannot be made: %s\n",
		    pdir, strerror(errno));
		free(parent);
		free(out);
		config_free(&cfg);
		return 1;
	}
	free(parent);
	struct backup_result r;
	crm_status rc = backup_make(cfg.data_dir, out, 1, &r);
	if (rc != CRM_OK) {
		fprintf(stderr, "crmd: backup failed: %s\n", r.why);
	} else {
		printf("backup: %s: %llu bytes, %llu entries checked, "
		       "%.2f s\n",
		    out, (unsigned long long)r.bytes,
		    (unsigned long long)r.entries, r.seconds);
	}
	free(out);
	config_free(&cfg);
	return rc == CRM_OK ? 0 : 1;
}
