/* SPDX-License-Identifier: MIT */
/* config.c: crmd's defaults, option parsing and address checks. */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "crm.h"

static char *
data_home(void)
{
	const char *x = getenv("XDG_DATA_HOME");
	if (x != NULL && *x == '/') {
		return crm_xasprintf("%s/crm/db", x);
	}
	const char *home = getenv("HOME");
	return crm_xasprintf("%s/.local/share/crm/db", home ? home : ".");
}

char *
config_runtime_dir(void)
{
	return crm_path_runtime_dir();
}

void
config_defaults(struct srv_config *c)
{
	memset(c, 0, sizeof(*c));
	/* Per-user data folder: a first run needs no root and no setup. */
	c->data_dir = data_home();
	/* ipc:// in a private folder: only this user can connect. */
	char *rt = config_runtime_dir();
	c->listen[0] = crm_xasprintf("ipc://%s/crmd.ipc", rt);
	c->n_listen = 1;
	free(rt);
	/* Pokes beside the first listen address (pub_url NULL: derived). */
	c->pub_url = NULL;
	/* Workers serve reads; writes queue for the single writer. */
	c->workers = 4;
	/* Address space, not disk: LMDB files grow as data arrives. */
	c->map_size = (size_t)4 << 30;
	c->log_level = CRM_LOG_INFO;
	/* Enough to amortise one fdatasync over many clients. */
	c->batch_max = 128;
	/* Beyond this, writers are told to retry (UNAVAILABLE). */
	c->queue_max = 4096;
}

void
config_free(struct srv_config *c)
{
	free(c->data_dir);
	for (int i = 0; i < c->n_listen; i++) {
		free(c->listen[i]);
	}
	free(c->pub_url);
	for (int i = 0; i < c->n_pub; i++) {
		free(c->pub_urls[i]);
	}
	memset(c, 0, sizeof(*c));
}

void
config_usage(FILE *out)
{
	struct srv_config d;
	config_defaults(&d);
	fprintf(out,
	    "Usage: crmd [OPTION]...\n"
	    "       crmd user add LOGIN --role admin|manager|rep [--team TEAM]"
	    " [--name NAME] [--data DIR]\n"
	    "       crmd backup [--data DIR] OUT\n"
	    "       crmd remote-key add|list|remove ... (ssh:// keys; "
	    "crmd remote-key --help)\n"
	    "The crm server: customers, contacts and follow-ups in LMDB,\n"
	    "served as protobuf requests over nanomsg.\n\n"
	    "  -d, --data DIR       data folder (default %s)\n"
	    "  -l, --listen URL     REQ/REP address, repeatable "
	    "(default %s)\n"
	    "  -p, --pub URL        PUB address for change pokes "
	    "(default: one beside each listen: URL + .pub for ipc, port + 1 "
	    "for tcp)\n"
	    "  -w, --workers N      worker threads (default %d)\n"
	    "      --allow-remote   allow a non-loopback tcp:// bind "
	    "(no TLS: use SSH or stunnel)\n"
	    "      --map-size BYTES LMDB map size to start with "
	    "(default %zu MiB; grows)\n"
	    "      --log-level L    debug|info|warn|error (default info)\n"
	    "      --trace-leaves   count the B-tree leaves each commit's "
	    "writes land on,\n"
	    "                       by database, for `crm stats` and "
	    "crm-bench --leaves\n"
	    "                       (a seek per key written after each "
	    "commit)\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n\n"
	    "The password of `crmd user add` is read from standard input\n"
	    "(without echo on a terminal). SIGTERM or SIGINT stop cleanly.\n",
	    d.data_dir, d.listen[0], d.workers, d.map_size >> 20);
	config_free(&d);
}

enum { OPT_ALLOW_REMOTE = 256, OPT_MAP_SIZE, OPT_LOG_LEVEL, OPT_TRACE_LEAVES };

char *
config_default_pub(const char *listen)
{
	if (strncmp(listen, "ipc://", 6) == 0) {
		return crm_xasprintf("%s.pub", listen);
	}
	const char *colon = strrchr(listen, ':');
	if (strncmp(listen, "tcp://", 6) != 0 || colon == NULL ||
	    colon < listen + 6) {
		return NULL;
	}
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port == 0 || port >= 65535) {
		return NULL;
	}
	return crm_xasprintf(
	    "%.*s:%lu", (int)(colon - listen), listen, port + 1);
}

/* Whether url (given as what) is refused, said on stderr: a bad or
 * remote address, or one given before among the listens [0, n) and the
 * PUBs so far. */
static int
refuse_url(
    const struct srv_config *c, const char *url, int n, const char *what)
{
	const char *why = "";
	crm_status rc = config_check_url(url, c->allow_remote, &why);
	if (rc == CRM_EPERM) {
		fprintf(stderr,
		    "crmd: refusing to listen on %s: %s. nanomsg has no TLS: "
		    "reach the server through an SSH tunnel or stunnel, or "
		    "pass --allow-remote\n",
		    url, why);
		return 1;
	}
	if (rc != CRM_OK) {
		fprintf(
		    stderr, "crmd: bad address %s (%s): %s\n", url, what, why);
		return 1;
	}
	for (int j = 0; j < n + c->n_pub; j++) {
		const char *o = j < n ? c->listen[j] : c->pub_urls[j - n];
		if (strcmp(o, url) == 0) {
			fprintf(stderr,
			    "crmd: %s is given twice (%s, and a listen or PUB "
			    "address before it)%s\n",
			    url, what,
			    strcmp(what, "--listen") == 0
			        ? ""
			        : ": give --pub URL, an address of its own");
			return 1;
		}
	}
	return 0;
}

/* Whether a listen or the --pub of c binds beyond loopback (what
 * --allow-remote allows). */
static int
any_remote(const struct srv_config *c)
{
	const char *why;
	for (int i = 0; i < c->n_listen; i++) {
		if (config_check_url(c->listen[i], 0, &why) == CRM_EPERM) {
			return 1;
		}
	}
	return c->pub_url != NULL &&
	       config_check_url(c->pub_url, 0, &why) == CRM_EPERM;
}

crm_status
config_parse(struct srv_config *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "pub", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE },
		{ "map-size", required_argument, NULL, OPT_MAP_SIZE },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "trace-leaves", no_argument, NULL, OPT_TRACE_LEAVES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int listen_given = 0, ch;
	optind = 1;
	while (
	    (ch = getopt_long(argc, argv, "d:l:p:w:hV", opts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'd':
			free(c->data_dir);
			c->data_dir = crm_xstrdup(optarg);
			break;
		case 'l':
			if (!listen_given) {
				for (int i = 0; i < c->n_listen; i++) {
					free(c->listen[i]);
				}
				c->n_listen = 0;
				listen_given = 1;
			}
			if (c->n_listen == CONFIG_MAX_LISTEN) {
				fprintf(stderr, "crmd: at most %d --listen\n",
				    CONFIG_MAX_LISTEN);
				return CRM_EINVAL;
			}
			c->listen[c->n_listen++] = crm_xstrdup(optarg);
			break;
		case 'p':
			free(c->pub_url);
			c->pub_url = crm_xstrdup(optarg);
			break;
		case 'w': {
			long n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 256) {
				fprintf(stderr,
				    "crmd: --workers wants 1..256, not '%s'\n",
				    optarg);
				return CRM_EINVAL;
			}
			c->workers = (int)n;
			break;
		}
		case OPT_ALLOW_REMOTE:
			c->allow_remote = 1;
			break;
		case OPT_TRACE_LEAVES:
			c->trace_leaves = 1;
			break;
		case OPT_MAP_SIZE: {
			unsigned long long n = strtoull(optarg, &end, 10);
			if (*end != '\0' || n < (1u << 20)) {
				fprintf(stderr,
				    "crmd: --map-size wants bytes >= 1 MiB\n");
				return CRM_EINVAL;
			}
			c->map_size = (size_t)n;
			break;
		}
		case OPT_LOG_LEVEL: {
			static const char *const lv[] = { "debug", "info",
				"warn", "error" };
			int found = -1;
			for (int i = 0; i < 4; i++) {
				if (strcmp(optarg, lv[i]) == 0) {
					found = i;
				}
			}
			if (found < 0) {
				fprintf(stderr, "crmd: bad --log-level '%s'\n",
				    optarg);
				return CRM_EINVAL;
			}
			c->log_level = found;
			break;
		}
		case 'h':
			config_usage(stdout);
			return CRM_NOT_FOUND;
		case 'V':
			printf("crmd %s (protocol %u)\n", CRM_VERSION,
			    CRM_PROTOCOL_VERSION);
			return CRM_NOT_FOUND;
		default:
			config_usage(stderr);
			return CRM_EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(
		    stderr, "crmd: unexpected argument '%s'\n", argv[optind]);
		return CRM_EINVAL;
	}
	/* Refuse bad addresses before touching the data folder: the
	 * listens first (a PUB beside a bad one means nothing), then a
	 * --pub, then the PUBs made beside the listens. */
	for (int i = 0; i < c->n_listen; i++) {
		if (refuse_url(c, c->listen[i], i, "--listen")) {
			return CRM_EINVAL;
		}
	}
	if (c->allow_remote && !any_remote(c)) {
		crm_warn(
		    "--allow-remote changes nothing: no --listen or --pub "
		    "is a tcp:// address outside 127.0.0.0/8");
	}
	if (c->pub_url != NULL) {
		if (refuse_url(c, c->pub_url, c->n_listen, "--pub")) {
			return CRM_EINVAL;
		}
		c->pub_urls[c->n_pub++] = crm_xstrdup(c->pub_url);
		return CRM_OK;
	}
	/* A PUB address beside every listen, so a tcp client of an
	 * ipc-first server is told a tcp one too (HelloReply.pub_urls). */
	for (int i = 0; i < c->n_listen; i++) {
		char *u = config_default_pub(c->listen[i]);
		if (u == NULL) {
			crm_warn("no change pokes beside %s (its port + 1 is "
			         "out of range): give --pub URL",
			    c->listen[i]);
			continue;
		}
		/* Not one a listen holds (tcp ports 7070 and 7071 listened
		 * on both). */
		for (int j = 0; u != NULL && j < c->n_listen; j++) {
			if (strcmp(c->listen[j], u) == 0) {
				crm_info(
				    "%s is a listen address, so no change "
				    "pokes beside %s",
				    u, c->listen[i]);
				free(u);
				u = NULL;
			}
		}
		if (u != NULL && refuse_url(c, u, c->n_listen,
		                     "the PUB address "
		                     "beside a listen")) {
			free(u);
			return CRM_EINVAL;
		}
		if (u != NULL) {
			c->pub_urls[c->n_pub++] = u;
		}
	}
	if (c->n_pub > 0) {
		c->pub_url = crm_xstrdup(c->pub_urls[0]);
	}
	return CRM_OK;
}

crm_status
config_check_url(const char *url, int allow_remote, const char **why)
{
	if (strncmp(url, "ipc://", 6) == 0) {
		const char *path = url + 6;
		size_t len = strlen(path);
		struct sockaddr_un un;
		if (path[0] != '/') {
			*why = "the socket's path must be absolute "
			       "(ipc:///PATH): a relative one would depend "
			       "on the folder crmd and crm start in";
			return CRM_EINVAL;
		}
		if (len < 2 || path[len - 1] == '/') {
			*why = "no socket name after the folder "
			       "(ipc:///FOLDER/NAME)";
			return CRM_EINVAL;
		}
		if (len >= sizeof(un.sun_path)) {
			*why = "the socket's path is too long (a unix "
			       "socket's path holds at most 107 bytes)";
			return CRM_EINVAL;
		}
		return CRM_OK;
	}
	if (strncmp(url, "tcp://", 6) != 0) {
		*why = "crmd listens on ipc://PATH or tcp://HOST:PORT only";
		return CRM_EINVAL;
	}
	const char *host = url + 6;
	/* The host part ends at the last ':' (the port). */
	const char *colon = strrchr(host, ':');
	if (colon == NULL || colon == host) {
		*why = "no port (tcp://HOST:PORT)";
		return CRM_EINVAL;
	}
	long port = 0;
	const char *p = colon + 1;
	for (; *p >= '0' && *p <= '9' && port <= 65535; p++) {
		port = port * 10 + (*p - '0');
	}
	if (*p != '\0' || p == colon + 1 || port < 1 || port > 65535) {
		*why = "bad port (tcp://HOST:PORT, PORT 1 to 65535)";
		return CRM_EINVAL;
	}
	char h[64];
	size_t hlen = (size_t)(colon - host);
	struct in_addr a;
	if (hlen < sizeof(h)) {
		memcpy(h, host, hlen);
		h[hlen] = '\0';
	}
	if (hlen < sizeof(h) && inet_pton(AF_INET, h, &a) == 1) {
		if ((ntohl(a.s_addr) >> 24) == 127 || allow_remote) {
			return CRM_OK;
		}
		*why = "not a loopback address";
		return CRM_EPERM;
	}
	if (hlen == 1 && host[0] == '*') {
		if (allow_remote) {
			return CRM_OK; /* every interface */
		}
		*why = "not a loopback address (every interface)";
		return CRM_EPERM;
	}
	/* nanomsg binds IPv4 addresses here; it looks no host name up
	 * ("localhost" failed as "No such device", after the data folder
	 * was made). */
	*why = "crmd binds numeric IPv4 addresses (it looks no names up "
	       "and listens on no IPv6): give tcp://127.0.0.1:PORT, or "
	       "with --allow-remote another address of this host";
	return CRM_EINVAL;
}

static int
mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, mode) != 0 && errno != EEXIST) {
				*p = '/';
				return -1;
			}
			*p = '/';
		}
	}
	return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

crm_status
config_prepare_ipc(const char *url)
{
	if (strncmp(url, "ipc://", 6) != 0) {
		return CRM_OK;
	}
	const char *sock = url + 6;
	/* Checked before anything is made in it: a folder refused gets
	 * no new folder inside. Made (0700 at each level) when missing. */
	char why[600];
	crm_status rc = crm_path_check_ipc(url, why, sizeof(why));
	if (rc == CRM_NOT_FOUND) {
		char *dir = crm_xstrdup(sock);
		char *slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir, 0700) != 0) {
				crm_err("cannot create %s: %s", dir,
				    strerror(errno));
				free(dir);
				return CRM_INTERNAL;
			}
		}
		free(dir);
		rc = crm_path_check_ipc(url, why, sizeof(why));
	}
	/* Made before us by someone else, or opened up since: whoever
	 * controls the folder can stand in for crmd and read passwords. */
	if (rc != CRM_OK) {
		crm_err("refusing to listen on %s: %s", url, why);
		return rc == CRM_EPERM ? CRM_EPERM : CRM_INTERNAL;
	}
	/* nanomsg removes whatever is at the path before it binds: a
	 * stale socket is its to remove, anything else is not (a typo
	 * naming data.mdb would delete the database). */
	struct stat sb;
	if (lstat(sock, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		crm_err("refusing to listen on %s: %s is a %s, not a socket, "
		        "and binding would remove it; name a new path",
		    url, sock,
		    S_ISDIR(sb.st_mode)   ? "folder"
		    : S_ISLNK(sb.st_mode) ? "symbolic link"
		                          : "file");
		return CRM_EPERM;
	}
	return CRM_OK;
}
