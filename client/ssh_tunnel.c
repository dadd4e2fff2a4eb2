/* SPDX-License-Identifier: MIT */
/*
 * ssh_tunnel.c: the ssh process behind an ssh:// server (see
 * ssh_tunnel.h). Why tcp on the server's side: OpenSSH restricts a key's
 * local forwards with permitopen="host:port", which names tcp
 * destinations only; a key with permitopen may open no unix-socket
 * forward at all, and without one it may open any socket its account
 * can reach. So crmd's loopback tcp ports are the forward's target and
 * `crmd remote-key add` confines each key to exactly them. On this side
 * the forwards listen on loopback tcp ports too, not on unix sockets:
 * nanomsg frames ipc:// streams differently from tcp:// ones (a type
 * byte before each length), and ssh copies bytes, so both ends of a
 * forward must speak the same transport. Other users of this machine
 * can therefore reach crmd through the tunnel while it runs, and need a
 * crm password like anyone on the server itself.
 *
 * ssh runs in crm's process group (it may ask for a passphrase on the
 * terminal) with SIGINT and SIGQUIT ignored (ssh keeps ignored signals
 * ignored), so Ctrl-C interrupts a command, not the tunnel; it gets
 * SIGTERM when crm ends, even by a crash (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE /* close_range */
#include "ssh_tunnel.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"

#define SSH_UP_MS     120000 /* authentication, a passphrase typed */
#define SSH_POLL_MS   50     /* how often the start is looked at */
#define PROBE_MS      5000   /* crmd's header through the tunnel */
#define STOP_MS       2000   /* SIGTERM, then SIGKILL */
#define SSH_MAX_ARGS  64
#define SP_HEADER_LEN 8

struct ssh_tunnel {
	struct ssh_url url;
	int req_port;  /* local end of the request forward (127.0.0.1) */
	int pub_port;  /* local end of the PUB forward */
	char *req_url; /* tcp://127.0.0.1:req_port */
	char *pub_url;
	pid_t pid; /* 0: not running */
	bool up;   /* crmd answered through this ssh */
	/* ssh's stderr: a pipe we read (-1: none), its partial line, and
	 * the lines shown lately (for the idle shell's de-duplication). */
	int err_fd;
	char err_buf[1024];
	size_t err_len;
	struct {
		char line[160];
		int64_t at;
	} shown[8];
	unsigned shown_next;
};

#define SHOWN_KEEP_MS 600000 /* a line shown once is not repeated for */

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ URL */

bool
ssh_tunnel_is_url(const char *url)
{
	return url != NULL && strncasecmp(url, "ssh://", 6) == 0;
}

/* A port: 1..65535, digits only. */
static int
parse_port(const char *s, size_t len)
{
	if (len == 0 || len > 5) {
		return -1;
	}
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i])) {
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

/* A user or host ssh takes as one word and not as an option. */
static bool
plain_word(const char *s, size_t len, bool host)
{
	if (len == 0 || s[0] == '-') {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch == 0x7f || ch == '/' || ch == '@' ||
		    ch == '\'' || ch == '"' || ch == '\\' ||
		    (!host && ch == ':')) {
			return false;
		}
	}
	return true;
}

crm_status
ssh_tunnel_parse(const char *url, struct ssh_url *out, char *why, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->crmd_port = SSH_CRMD_PORT;
	if (!ssh_tunnel_is_url(url)) {
		snprintf(why, n, "not an ssh:// URL");
		return CRM_EINVAL;
	}
	const char *p = url + 6;
	const char *end = p + strcspn(p, "/");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		size_t ul = (size_t)(at - p);
		if (!plain_word(p, ul, false) || ul >= sizeof(out->user)) {
			snprintf(why, n, "bad user '%.*s'", (int)ul, p);
			return CRM_EINVAL;
		}
		memcpy(out->user, p, ul);
		p = at + 1;
	}
	const char *hs = p, *he;
	const char *colon = NULL;
	if (*p == '[') {
		he = memchr(p, ']', (size_t)(end - p));
		if (he == NULL) {
			snprintf(why, n, "no ']' after the IPv6 address");
			return CRM_EINVAL;
		}
		hs = p + 1;
		if (he + 1 < end) {
			if (he[1] != ':') {
				snprintf(why, n, "text after ']': '%.*s'",
				    (int)(end - he - 1), he + 1);
				return CRM_EINVAL;
			}
			colon = he + 1;
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		he = colon != NULL ? colon : end;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0) {
		snprintf(why, n, "no host (ssh://[USER@]HOST[:PORT])");
		return CRM_EINVAL;
	}
	if (!plain_word(hs, hl, *p == '[') || hl >= sizeof(out->host)) {
		snprintf(why, n, "bad host '%.*s'", (int)hl, hs);
		return CRM_EINVAL;
	}
	memcpy(out->host, hs, hl);
	if (colon != NULL) {
		size_t pl = (size_t)(end - colon - 1);
		out->port = parse_port(colon + 1, pl);
		if (out->port < 0) {
			snprintf(why, n, "bad port '%.*s' (1 to 65535)",
			    (int)pl, colon + 1);
			return CRM_EINVAL;
		}
	}
	if (*end == '/' && end[1] != '\0') {
		/* The next port carries the pokes: it must exist too. */
		int cp = parse_port(end + 1, strlen(end + 1));
		if (cp < 0 || cp >= 65535) {
			snprintf(why, n,
			    "bad crmd port '%s' (1 to 65534: crmd's tcp port "
			    "on the server's loopback, its PUB the next one)",
			    end + 1);
			return CRM_EINVAL;
		}
		out->crmd_port = cp;
	}
	return CRM_OK;
}

/* ------------------------------------------------------------ ports */

/* Two free loopback ports, held open together so they differ. ssh binds
 * them a moment later; should another program take one first, ssh says
 * so and exits (ExitOnForwardFailure). */
static crm_status
free_ports(int *a, int *b, char *why, size_t n)
{
	int fds[2] = { -1, -1 }, ports[2] = { 0, 0 };
	crm_status rc = CRM_OK;
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 ||
		    bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &len) != 0) {
			snprintf(why, n, "no free port on 127.0.0.1: %s",
			    strerror(errno));
			rc = CRM_UNAVAILABLE;
			break;
		}
		ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0) {
			close(fds[i]);
		}
	}
	*a = ports[0];
	*b = ports[1];
	return rc;
}

ssh_tunnel *
ssh_tunnel_new(const struct ssh_url *u)
{
	ssh_tunnel *t = crm_xcalloc(1, sizeof(*t));
	t->url = *u;
	t->err_fd = -1;
	return t;
}

const char *
ssh_tunnel_req_url(const ssh_tunnel *t)
{
	return t->req_url;
}

const char *
ssh_tunnel_pub_url(const ssh_tunnel *t)
{
	return t->pub_url;
}

/* ------------------------------------------------------------ process */

/* Whether ssh still runs; reaps it when it has ended. */
static bool
alive(ssh_tunnel *t)
{
	if (t->pid <= 0) {
		return false;
	}
	int status;
	pid_t w = waitpid(t->pid, &status, WNOHANG);
	if (w == 0 || (w < 0 && errno == EINTR)) {
		return true;
	}
	t->pid = 0;
	t->up = false;
	return false;
}

/* A line with its channel numbers taken out: "channel 3: open failed"
 * and "channel 4: open failed" are the same news. */
static void
normalized(const char *line, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = line; *p != '\0' && o + 1 < n; p++) {
		if (strncmp(p, "channel ", 8) == 0 &&
		    isdigit((unsigned char)p[8])) {
			p += 8;
			while (isdigit((unsigned char)p[1])) {
				p++;
			}
			const char w[] = "channel N";
			for (size_t i = 0; w[i] != '\0' && o + 1 < n; i++) {
				out[o++] = w[i];
			}
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

/* Whether line was shown within SHOWN_KEEP_MS; remembers it if not. */
static bool
shown_lately(ssh_tunnel *t, const char *line)
{
	char key[160];
	normalized(line, key, sizeof(key));
	int64_t now = now_ms();
	size_t n = sizeof(t->shown) / sizeof(t->shown[0]);
	for (size_t i = 0; i < n; i++) {
		if (t->shown[i].at != 0 &&
		    strcmp(t->shown[i].line, key) == 0 &&
		    now - t->shown[i].at < SHOWN_KEEP_MS) {
			return true;
		}
	}
	snprintf(
	    t->shown[t->shown_next].line, sizeof(t->shown[0].line), "%s", key);
	t->shown[t->shown_next].at = now;
	t->shown_next = (t->shown_next + 1) % (unsigned)n;
	return false;
}

/* Read what ssh wrote to its stderr so far. Each whole line goes to
 * print (NULL: straight to our stderr, as ssh would have printed it;
 * else once in SHOWN_KEEP_MS per kind of line, prefixed "ssh: "). */
static void
drain_err(ssh_tunnel *t, void (*print)(const char *line))
{
	if (t->err_fd < 0) {
		return;
	}
	for (;;) {
		if (t->err_len == sizeof(t->err_buf) - 1) {
			t->err_buf[t->err_len++] = '\n'; /* an endless line */
		} else {
			ssize_t r = read(t->err_fd, t->err_buf + t->err_len,
			    sizeof(t->err_buf) - 1 - t->err_len);
			if (r < 0 && errno == EINTR) {
				continue;
			}
			if (r <= 0) {
				if (r == 0) { /* ssh has ended: no more */
					close(t->err_fd);
					t->err_fd = -1;
				}
				break;
			}
			t->err_len += (size_t)r;
		}
		char *start = t->err_buf, *nl;
		while (
		    (nl = memchr(start, '\n',
		         t->err_len - (size_t)(start - t->err_buf))) != NULL) {
			*nl = '\0';
			if (nl > start && nl[-1] == '\r') {
				nl[-1] = '\0';
			}
			if (print == NULL) {
				fprintf(stderr, "%s\n", start);
			} else if (*start != '\0' && !shown_lately(t, start)) {
				char line[1100];
				snprintf(line, sizeof(line), "ssh: %s", start);
				print(line);
			}
			start = nl + 1;
		}
		t->err_len -= (size_t)(start - t->err_buf);
		memmove(t->err_buf, start, t->err_len);
	}
	if (t->err_fd < 0 && t->err_len > 0) {
		t->err_buf[t->err_len] = '\0';
		if (print == NULL) {
			fprintf(stderr, "%s\n", t->err_buf);
		} else if (!shown_lately(t, t->err_buf)) {
			char line[1100];
			snprintf(line, sizeof(line), "ssh: %s", t->err_buf);
			print(line);
		}
		t->err_len = 0;
	}
}

int
ssh_tunnel_err_fd(const ssh_tunnel *t)
{
	return t->err_fd;
}

void
ssh_tunnel_messages(ssh_tunnel *t, void (*print)(const char *line))
{
	drain_err(t, print);
}

static void
stop(ssh_tunnel *t)
{
	/* What ssh said before it is told to stop; not its last words
	 * ("Killed by signal 15."). */
	drain_err(t, NULL);
	if (t->err_fd >= 0) {
		close(t->err_fd);
		t->err_fd = -1;
		t->err_len = 0;
	}
	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		int64_t until = now_ms() + STOP_MS;
		int status;
		while (waitpid(t->pid, &status, WNOHANG) == 0) {
			if (now_ms() >= until) {
				kill(t->pid, SIGKILL);
				(void)waitpid(t->pid, &status, 0);
				break;
			}
			poll(NULL, 0, 10);
		}
	}
	t->pid = 0;
	t->up = false;
}

void
ssh_tunnel_free(ssh_tunnel *t)
{
	if (t == NULL) {
		return;
	}
	stop(t);
	free(t->req_url);
	free(t->pub_url);
	free(t);
}

/* src into dst with a word's leading ~/ made $HOME/ (CRM_SSH is
 * usually set inside double quotes, where the shell leaves ~ alone). */
static void
expand_home(const char *src, char *dst, size_t n)
{
	const char *home = getenv("HOME");
	size_t o = 0;
	for (const char *p = src; *p != '\0' && o + 1 < n; p++) {
		bool word_start = p == src || p[-1] == ' ' || p[-1] == '\t';
		if (word_start && p[0] == '~' && p[1] == '/' && home != NULL &&
		    home[0] != '\0') {
			int w = snprintf(dst + o, n - o, "%s", home);
			o = w < 0 || (size_t)w >= n - o ? n - 1
			                                : o + (size_t)w;
			continue;
		}
		dst[o++] = *p;
	}
	dst[o] = '\0';
}

/* argv for ssh: $CRM_SSH split at blanks (default "ssh"), then ours.
 * The user's words come first: ssh keeps the first value of an option,
 * so CRM_SSH="ssh -o ServerAliveInterval=60" wins over ours. */
static int
build_argv(ssh_tunnel *t, char *words, char **argv, char *fwd[2], char *port)
{
	int argc = 0;
	const char *env = getenv("CRM_SSH");
	expand_home(env != NULL && env[0] ? env : "ssh", words, 1024);
	for (char *w = strtok(words, " \t"); w != NULL && argc < 32;
	     w = strtok(NULL, " \t")) {
		argv[argc++] = w;
	}
	const char *fixed[] = {
		"-N", /* no command: forwards only */
		"-T", /* no terminal on the server */
		"-o", "ExitOnForwardFailure=yes", /* a port taken: exit */
		/* Our own connection, not a multiplexed one: forwards
		 * handed to a ControlMaster would outlive this ssh. */
		"-o", "ControlPath=none", "-o", "ServerAliveInterval=15", "-o",
		"ServerAliveCountMax=3", /* a dead network: gone in 45 s */
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		argv[argc++] = (char *)fixed[i];
	}
	argv[argc++] = (char *)"-L";
	argv[argc++] = fwd[0];
	argv[argc++] = (char *)"-L";
	argv[argc++] = fwd[1];
	if (t->url.user[0] != '\0') {
		argv[argc++] = (char *)"-l";
		argv[argc++] = t->url.user;
	}
	if (t->url.port > 0) {
		snprintf(port, 16, "%d", t->url.port);
		argv[argc++] = (char *)"-p";
		argv[argc++] = port;
	}
	argv[argc++] = (char *)"--";
	argv[argc++] = t->url.host;
	argv[argc] = NULL;
	return argc;
}

static crm_status
spawn(ssh_tunnel *t, char *why, size_t n)
{
	char words[1024], port[16];
	char *argv[SSH_MAX_ARGS];
	char *fwd[2];
	/* The bind address is given: a GatewayPorts in the user's ssh
	 * configuration must not open the tunnel to the network. */
	fwd[0] = crm_xasprintf(
	    "127.0.0.1:%d:127.0.0.1:%d", t->req_port, t->url.crmd_port);
	fwd[1] = crm_xasprintf(
	    "127.0.0.1:%d:127.0.0.1:%d", t->pub_port, t->url.crmd_port + 1);
	build_argv(t, words, argv, fwd, port);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* ssh's stderr comes to us: the idle shell prints it above the
	 * prompt, never onto the line being typed. */
	int errp[2] = { -1, -1 };
	if (t->err_fd >= 0) {
		drain_err(t, NULL);
		close(t->err_fd);
		t->err_fd = -1;
	}
	t->err_len = 0;
	if (pipe2(errp, O_CLOEXEC) != 0) {
		errp[0] = errp[1] = -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* The child: only async-signal-safe calls, then exec. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) {
			_exit(127);
		}
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGPIPE, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		if (errp[1] >= 0) {
			dup2(errp[1], STDERR_FILENO);
		}
		/* nanomsg's descriptors are not ssh's business. */
		close_range(3, ~0U, 0);
		execvp(argv[0], argv);
		const char msg[] = "crm: cannot run ssh (CRM_SSH): ";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		const char *e = strerror(errno);
		(void)!write(STDERR_FILENO, e, strlen(e));
		(void)!write(STDERR_FILENO, "\n", 1);
		_exit(127);
	}
	int err = errno;
	if (devnull >= 0) {
		close(devnull);
	}
	if (errp[1] >= 0) {
		close(errp[1]);
	}
	if (pid < 0 && errp[0] >= 0) {
		close(errp[0]);
		errp[0] = -1;
	}
	if (errp[0] >= 0) {
		fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);
	}
	t->err_fd = errp[0];
	free(fwd[0]);
	free(fwd[1]);
	if (pid < 0) {
		snprintf(why, n, "cannot start ssh: %s", strerror(err));
		return CRM_UNAVAILABLE;
	}
	t->pid = pid;
	t->up = false;
	return CRM_OK;
}

/* ------------------------------------------------------------ probe */

/*
 * One connection to the local request port: ssh accepts it at once and
 * opens a channel to crmd's port; crmd, like every nanomsg peer, sends
 * its 8-byte SP header first. 1 header read, -1 closed without one (the
 * channel could not open) or refused (*refused set: ssh does not listen
 * yet), 0 undecided in wait_ms; *connected: something listens there.
 */
static int
header_probe(
    int port, int wait_ms, bool *not_sp, bool *refused, bool *connected)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return 0;
	}
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		*refused = errno == ECONNREFUSED;
		rc = -1;
		goto out;
	}
	*connected = true;
	unsigned char hdr[SP_HEADER_LEN];
	size_t got = 0;
	int64_t until = now_ms() + wait_ms;
	while (got < sizeof(hdr)) {
		int left = (int)(until - now_ms());
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			goto out; /* undecided */
		}
		ssize_t r = read(fd, hdr + got, sizeof(hdr) - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR) {
				continue;
			}
			rc = -1;
			goto out;
		}
		got += (size_t)r;
	}
	/* \0 S P \0, the protocol (REP here), two zero bytes. */
	*not_sp = memcmp(hdr, "\0SP\0", 4) != 0;
	rc = *not_sp ? -1 : 1;
out:
	close(fd);
	return rc;
}

/* Whether process pid holds the descriptor want ("socket:[INODE]"). */
static bool
holds(long pid, const char *want)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
	DIR *d = opendir(dir);
	bool found = false;
	for (struct dirent *e; d != NULL && !found && (e = readdir(d));) {
		char path[320], link[64];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	return found;
}

/* Whether pid is ssh or runs under it (CRM_SSH may be a wrapper that
 * does not exec ssh): its parents, up to 64, include ssh. */
static bool
under(long pid, pid_t ssh)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		if (pid == (long)ssh) {
			return true;
		}
		char path[64], buf[512];
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		FILE *f = fopen(path, "re");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f != NULL) {
			fclose(f);
		}
		buf[n] = '\0';
		/* pid (comm) state ppid: comm may hold spaces and ')' */
		const char *rp = strrchr(buf, ')');
		long ppid = 0;
		if (rp == NULL || sscanf(rp + 1, " %*c %ld", &ppid) != 1) {
			return false;
		}
		pid = ppid;
	}
	return false;
}

/*
 * Whether the listener on 127.0.0.1:port is ssh's (process pid, or one
 * under it): between free_ports and ssh's bind another local user can
 * take the port (ssh binds its forwards only after it logs in), and crm
 * would send its session there. The listening socket's inode
 * (/proc/net/tcp) must be a descriptor of ssh's; another user's
 * processes' descriptors cannot even be read.
 */
static bool
port_is_ssh(pid_t pid, int port)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	if (f == NULL) {
		return false;
	}
	char line[512];
	unsigned long inode = 0;
	while (inode == 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned a, p, st;
		unsigned long ino;
		if (sscanf(line,
		        " %*d: %8X:%4X %*8X:%*4X %2X %*s %*s %*s %*u %*u %lu",
		        &a, &p, &st, &ino) == 4 &&
		    a == 0x0100007FU && (int)p == port && st == 0x0A) {
			inode = ino;
		}
	}
	fclose(f);
	if (inode == 0) {
		return false;
	}
	char want[64];
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if (holds((long)pid, want)) {
		return true;
	}
	DIR *d = opendir("/proc");
	bool found = false;
	for (struct dirent *e; d != NULL && !found && (e = readdir(d));) {
		char *end;
		long p = strtol(e->d_name, &end, 10);
		found = *end == '\0' && p > 1 && p != (long)pid &&
		        holds(p, want) && under(p, pid);
	}
	if (d != NULL) {
		closedir(d);
	}
	return found;
}

/* The port's listener is not this tunnel's ssh: said, and ssh stopped. */
static crm_status
not_ssh(ssh_tunnel *t, char *why, size_t n)
{
	snprintf(why, n,
	    "127.0.0.1:%d is held by another process, not this crm's ssh "
	    "to %s: not sending anything there (another local user may "
	    "have taken the port)",
	    t->req_port, t->url.host);
	stop(t);
	return CRM_EPERM;
}

/* Why a header probe that was not refused failed. */
static void
say_no_crmd(const ssh_tunnel *t, bool not_sp, char *why, size_t n)
{
	if (not_sp) {
		snprintf(why, n,
		    "something other than crmd answers at 127.0.0.1:%d on %s",
		    t->url.crmd_port, t->url.host);
	} else {
		snprintf(why, n,
		    "ssh reached %s, but crmd does not answer at "
		    "127.0.0.1:%d there (not running, or the key may not "
		    "forward there)",
		    t->url.host, t->url.crmd_port);
	}
}

int
ssh_tunnel_probe(ssh_tunnel *t, char *why, size_t n)
{
	if (!alive(t)) {
		snprintf(
		    why, n, "the ssh tunnel to %s has ended", t->url.host);
		return -1;
	}
	bool not_sp = false, refused = false, connected = false;
	int r =
	    header_probe(t->req_port, PROBE_MS, &not_sp, &refused, &connected);
	if (connected && !port_is_ssh(t->pid, t->req_port)) {
		(void)not_ssh(t, why, n);
		return -1;
	}
	if (r < 0 && refused) {
		snprintf(why, n, "ssh does not listen on 127.0.0.1:%d",
		    t->req_port);
	} else if (r < 0) {
		say_no_crmd(t, not_sp, why, n);
	}
	return r;
}

crm_status
ssh_tunnel_up(ssh_tunnel *t, int cancel_fd, char *why, size_t n)
{
	/* A connection attempt: ssh's messages as it prints them. */
	drain_err(t, NULL);
	if (alive(t) && t->up) {
		return CRM_OK;
	}
	if (t->pid <= 0) {
		/* A restart keeps the ports: the sockets dial them. */
		if (t->req_url == NULL) {
			crm_status rc =
			    free_ports(&t->req_port, &t->pub_port, why, n);
			if (rc != CRM_OK) {
				return rc;
			}
			t->req_url =
			    crm_xasprintf("tcp://127.0.0.1:%d", t->req_port);
			t->pub_url =
			    crm_xasprintf("tcp://127.0.0.1:%d", t->pub_port);
		}
		crm_status rc = spawn(t, why, n);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	int64_t until = now_ms() + SSH_UP_MS;
	for (;;) {
		drain_err(t, NULL);
		if (!alive(t)) {
			drain_err(t, NULL);
			snprintf(why, n,
			    "ssh to %s ended before the tunnel was up (its "
			    "message, if any, is above)",
			    t->url.host);
			return CRM_UNAVAILABLE;
		}
		bool not_sp = false, refused = false, connected = false;
		int r = header_probe(
		    t->req_port, PROBE_MS, &not_sp, &refused, &connected);
		if (connected && !port_is_ssh(t->pid, t->req_port)) {
			return not_ssh(t, why, n);
		}
		if (r > 0) {
			t->up = true;
			return CRM_OK;
		}
		if (r < 0 && !refused) {
			/* ssh listens, but the forward fails: ssh stays
			 * (crmd may start); the next call asks again. */
			say_no_crmd(t, not_sp, why, n);
			return CRM_UNAVAILABLE;
		}
		if (now_ms() >= until) {
			snprintf(why, n,
			    "the ssh tunnel to %s is not up after %d s",
			    t->url.host, SSH_UP_MS / 1000);
			stop(t);
			return CRM_UNAVAILABLE;
		}
		struct pollfd p = { cancel_fd, POLLIN, 0 };
		if (poll(&p, cancel_fd >= 0 ? 1 : 0, SSH_POLL_MS) > 0) {
			snprintf(why, n, "interrupted");
			stop(t);
			return CRM_UNAVAILABLE;
		}
	}
}
