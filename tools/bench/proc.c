/* SPDX-License-Identifier: MIT */
/*
 * proc.c: the processes crm-bench starts and watches: crmd itself (and
 * `crmd user add` for a fresh set), its memory from /proc, and the crm
 * shell timed from fork to exit. Only children it started are signalled.
 * A small registry knows those children and the temporary folder, so
 * that a SIGINT or SIGTERM (taken by a thread of its own, with sigwait)
 * stops them and removes the folder before crm-bench exits.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

#define START_TRIES 600 /* x 100 ms */
#define STOP_TRIES  600 /* x 100 ms */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- signals */

#define MAX_CHILDREN 8
#define KILL_TRIES   300 /* x 100 ms a child gets to stop on SIGTERM */

/* What an interrupted run has to undo. The lock orders reaping a child
 * (and forgetting it) against the signal thread's kill: a pid in the
 * registry is never reaped yet, so never another process's. The signal
 * thread takes the lock and keeps it until the process exits. */
static struct {
	pthread_mutex_t lock;
	pid_t children[MAX_CHILDREN];
	const char *names[MAX_CHILDREN]; /* for the note: "crmd" */
	char dir[256]; /* the temporary folder, "" before it exists */
	int keep;
	int on; /* bench_signals_start ran: children unblock */
	sigset_t set;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

void
bench_remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Under reg.lock. */
static void
track(pid_t pid, const char *name)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (reg.children[i] == 0) {
			reg.children[i] = pid;
			reg.names[i] = name;
			return;
		}
	}
}

/* Under reg.lock. */
static void
untrack(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (reg.children[i] == pid) {
			reg.children[i] = 0;
		}
	}
}

/* fork, and remember the child as name (the parent's side). In the
 * child the signals the parent blocks are unblocked again: a mask
 * outlives exec, and crmd has to see the SIGTERM that stops it. */
static pid_t
spawn(const char *name)
{
	pthread_mutex_lock(&reg.lock);
	pid_t pid = fork();
	if (pid == 0) {
		if (reg.on) {
			sigprocmask(SIG_UNBLOCK, &reg.set, NULL);
		}
		return 0;
	}
	if (pid > 0) {
		track(pid, name);
	}
	pthread_mutex_unlock(&reg.lock);
	return pid;
}

/* waitpid for a child spawn() started: 0 while it runs (WNOHANG), pid
 * once reaped, -1 on an error. A blocking wait waits without reaping,
 * then reaps under the lock. */
static pid_t
reap(pid_t pid, int *status, int options)
{
	if (!(options & WNOHANG)) {
		siginfo_t si;
		while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0) {
			if (errno != EINTR) {
				return -1;
			}
		}
	}
	pthread_mutex_lock(&reg.lock);
	pid_t r = waitpid(pid, status, options);
	if (r == pid || r < 0) {
		untrack(pid);
	}
	pthread_mutex_unlock(&reg.lock);
	return r;
}

int
bench_make_temp_dir(char *tmpl, int keep)
{
	pthread_mutex_lock(&reg.lock);
	int rc = mkdtemp(tmpl) != NULL ? 0 : -1;
	if (rc == 0) {
		snprintf(reg.dir, sizeof(reg.dir), "%s", tmpl);
		reg.keep = keep;
	}
	pthread_mutex_unlock(&reg.lock);
	return rc;
}

/* The signal thread: waits for SIGINT or SIGTERM, stops every child
 * still running (SIGTERM, then SIGKILL after 30 s), removes the
 * temporary folder unless kept, says so in one line and exits 128 + the
 * signal. Nothing else is printed: the report comes at the end. */
static void *
signal_main(void *arg)
{
	(void)arg;
	int sig = 0;
	while (sigwait(&reg.set, &sig) != 0) {
	}
	pthread_mutex_lock(&reg.lock); /* kept: the process ends here */
	char stopped[256] = "";
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (reg.children[i] > 0) {
			kill(reg.children[i], SIGTERM);
			size_t n = strlen(stopped);
			snprintf(stopped + n, sizeof(stopped) - n, "%s%s",
			    n > 0 ? ", " : "", reg.names[i]);
		}
	}
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t pid = reg.children[i];
		int status;
		for (int t = 0; pid > 0; t++) {
			if (waitpid(pid, &status, WNOHANG) != 0) {
				break;
			}
			if (t == KILL_TRIES) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			sleep_ms(100);
		}
	}
	if (reg.dir[0] != '\0' && !reg.keep) {
		bench_remove_tree(reg.dir);
	}
	if (isatty(STDERR_FILENO)) {
		fputs("\r\033[K", stderr); /* the progress bar's line */
	}
	fprintf(stderr, "crm-bench: interrupted by %s%s%s%s%s; no report\n",
	    sig == SIGINT ? "SIGINT" : "SIGTERM",
	    stopped[0] != '\0' ? ": stopped " : "", stopped,
	    reg.dir[0] == '\0' ? ""
	    : reg.keep         ? "; kept "
	                       : "; removed ",
	    reg.dir);
	_exit(128 + sig);
}

int
bench_signals_start(void)
{
	sigemptyset(&reg.set);
	sigaddset(&reg.set, SIGINT);
	sigaddset(&reg.set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &reg.set, NULL) != 0) {
		return -1;
	}
	reg.on = 1;
	pthread_t th;
	if (pthread_create(&th, NULL, signal_main, NULL) != 0) {
		pthread_sigmask(SIG_UNBLOCK, &reg.set, NULL);
		reg.on = 0;
		return -1;
	}
	pthread_detach(th);
	return 0;
}

pid_t
bench_spawn_read(const char *name, char *const argv[], FILE **out /* OUT */)
{
	int fds[2];
	*out = NULL;
	if (pipe(fds) != 0) {
		return -1;
	}
	pid_t pid = spawn(name);
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*out = fdopen(fds[0], "r");
	if (*out == NULL) {
		close(fds[0]);
		kill(pid, SIGTERM);
		reap(pid, NULL, 0);
		return -1;
	}
	return pid;
}

int
bench_spawn_wait(pid_t pid)
{
	int status = 0;
	if (reap(pid, &status, 0) != pid) {
		return -1;
	}
	return WIFEXITED(status)     ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
	                             : 128;
}

int
bench_server_user_add(
    const char *crmd, const char *data, const char *login, const char *role)
{
	int fds[2];
	if (pipe(fds) != 0) {
		return -1;
	}
	pid_t pid = spawn("crmd user add");
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
		}
		execl(crmd, "crmd", "user", "add", login, "--role", role,
		    "--data", data, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	const char pw[] = BENCH_PASSWORD "\n";
	ssize_t n = write(fds[1], pw, sizeof(pw) - 1);
	close(fds[1]);
	int status = 0;
	reap(pid, &status, 0);
	return n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One hello with a short deadline on a throw-away socket. */
static int
hello_ok(const char *url)
{
	int s = nn_socket(AF_SP, NN_REQ);
	if (s < 0) {
		return 0;
	}
	int tmo = 300;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	int ok = 0;
	if (nn_connect(s, url) >= 0) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__HelloRequest h = CRM__V1__HELLO_REQUEST__INIT;
		h.client = "crm-bench";
		req.has_protocol_version = 1;
		req.protocol_version = CRM_PROTOCOL_VERSION;
		req.body_case = CRM__V1__REQUEST__BODY_HELLO;
		req.hello = &h;
		size_t len;
		uint8_t *buf = crm_wire_pack_alloc(&req.base, &len);
		void *msg = NULL;
		if (nn_send(s, buf, len, 0) >= 0 &&
		    nn_recv(s, &msg, NN_MSG, 0) >= 0) {
			ok = 1;
			nn_freemsg(msg);
		}
		free(buf);
	}
	nn_close(s);
	return ok;
}

int
bench_server_start(const struct bench_opts *o, struct bench_server *s)
{
	char workers[16];
	snprintf(workers, sizeof(workers), "%d", o->workers);
	s->pid = spawn("crmd");
	if (s->pid < 0) {
		s->pid = 0;
		return -1;
	}
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		const char *argv[12];
		int n = 0;
		argv[n++] = "crmd";
		argv[n++] = "--data";
		argv[n++] = s->data;
		argv[n++] = "--listen";
		argv[n++] = s->url;
		argv[n++] = "--workers";
		argv[n++] = workers;
		if (o->map_size != NULL) {
			argv[n++] = "--map-size";
			argv[n++] = o->map_size;
		}
		if (o->leaves) {
			argv[n++] = "--trace-leaves";
		}
		argv[n] = NULL;
		execv(o->crmd, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < START_TRIES; i++) {
		int status;
		if (reap(s->pid, &status, WNOHANG) == s->pid) {
			/* Its log is in the temporary folder, which goes
			 * with the run: the caller prints its last lines. */
			s->pid = 0;
			if (WIFEXITED(status)) {
				fprintf(stderr,
				    "crm-bench: crmd exited at start (status "
				    "%d)\n",
				    WEXITSTATUS(status));
			} else {
				fprintf(stderr,
				    "crm-bench: crmd exited at start (signal "
				    "%d)\n",
				    WTERMSIG(status));
			}
			return -1;
		}
		if (hello_ok(s->url)) {
			return 0;
		}
		sleep_ms(100);
	}
	fprintf(stderr, "crm-bench: crmd did not answer within %d s\n",
	    START_TRIES / 10);
	bench_server_stop(s);
	return -1;
}

int
bench_server_stop(struct bench_server *s)
{
	if (s->pid <= 0) {
		return -1;
	}
	kill(s->pid, SIGTERM);
	int status = 0;
	for (int i = 0;; i++) {
		if (reap(s->pid, &status, WNOHANG) == s->pid) {
			break;
		}
		if (i == STOP_TRIES) {
			fprintf(
			    stderr, "crm-bench: crmd did not stop; killed\n");
			kill(s->pid, SIGKILL);
			reap(s->pid, &status, 0);
			break;
		}
		sleep_ms(100);
	}
	s->pid = 0;
	return WIFEXITED(status)     ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
	                             : 128;
}

int
bench_proc_mem(pid_t pid, struct bench_mem *m)
{
	memset(m, 0, sizeof(*m));
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		long v = 0;
		if (sscanf(line, "VmRSS: %ld", &v) == 1) {
			m->rss_kib = v;
		} else if (sscanf(line, "VmHWM: %ld", &v) == 1) {
			m->hwm_kib = v;
		} else if (sscanf(line, "RssAnon: %ld", &v) == 1) {
			m->anon_kib = v;
		} else if (sscanf(line, "RssFile: %ld", &v) == 1) {
			m->file_kib = v;
		}
	}
	fclose(f);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* mkdir -p for the few folders below home. */
static int
make_dirs(const char *path)
{
	char *p = crm_xstrdup(path);
	int rc = 0;
	for (char *q = p + 1; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rc = -1;
			}
			*q = '/';
		}
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST) {
		rc = -1;
	}
	free(p);
	return rc;
}

/* Fork, exec path with argv and env (standard streams on /dev/null),
 * wait: the milliseconds from fork to its exit in *ms. -1 if it did not
 * exit 0. */
static int
time_exec(const char *path, char *const argv[], char *const env[], double *ms)
{
	uint64_t t0 = bench_now_ns();
	pid_t pid = spawn(argv[0]);
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execve(path, argv, env);
		_exit(127);
	}
	int status = 0;
	if (reap(pid, &status, 0) != pid) {
		return -1;
	}
	*ms = (double)(bench_now_ns() - t0) / 1e6;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void
bench_shell_runs(
    const char *crm, char *const env[], int runs, struct bench_shell *out)
{
	memset(out, 0, sizeof(*out));
	if (env == NULL) {
		env = environ;
	}
	/* Runs of crm and of the baseline alternate, so that a busy moment
	 * of the machine weighs on both alike. */
	double *ms = crm_xcalloc((size_t)runs, sizeof(*ms));
	double *base = crm_xcalloc((size_t)runs, sizeof(*base));
	char *crm_argv[] = { "crm", "-c", "due today", NULL };
	char *true_argv[] = { "true", NULL };
	int n = 0, nb = 0;
	for (int i = 0; i < runs; i++) {
		double t;
		if (time_exec(crm, crm_argv, env, &t) == 0) {
			ms[n++] = t;
		} else {
			out->failed++;
		}
		if (time_exec(BENCH_BASELINE, true_argv, env, &t) == 0) {
			base[nb++] = t;
		}
	}
	out->runs = runs;
	if (n > 0) {
		qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
		out->min_ms = ms[0];
		out->p50_ms = ms[(n - 1) / 2];
		out->p95_ms = ms[(n * 95 + 99) / 100 - 1];
		out->max_ms = ms[n - 1];
	}
	if (nb > 0) {
		qsort(base, (size_t)nb, sizeof(*base), cmp_double);
		out->base_p50_ms = base[(nb - 1) / 2];
		out->base_p95_ms = base[(nb * 95 + 99) / 100 - 1];
	}
	free(ms);
	free(base);
}

int
bench_shell_time(const char *crm, const char *url, const char *home,
    const struct bench_user *user, int runs, struct bench_shell *out)
{
	memset(out, 0, sizeof(*out));
	char *cfg = crm_xasprintf("%s/config/crm", home);
	char *session = crm_xasprintf("%s/session", cfg);
	if (make_dirs(cfg) != 0) {
		free(cfg);
		free(session);
		return -1;
	}
	/* The file crm's session.c reads, mode 0600: the token in hex, then
	 * the server it is for (crm sends it nowhere else). */
	int fd = open(session, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		char hex[2 * sizeof(user->token) + 1];
		for (size_t i = 0; i < user->token_len; i++) {
			snprintf(hex + 2 * i, 3, "%02x", user->token[i]);
		}
		char *text = crm_xasprintf(
		    "%.*s\n%s\n", (int)(2 * user->token_len), hex, url);
		ssize_t n = write(fd, text, strlen(text));
		close(fd);
		fd = n == (ssize_t)strlen(text) ? 0 : -1;
		free(text);
	}
	free(session);
	free(cfg);
	if (fd < 0) {
		return -1;
	}
	char *env[] = {
		crm_xasprintf("HOME=%s", home),
		crm_xasprintf("XDG_CONFIG_HOME=%s/config", home),
		crm_xasprintf("XDG_CACHE_HOME=%s/cache", home),
		crm_xasprintf("XDG_STATE_HOME=%s/state", home),
		crm_xasprintf("XDG_DATA_HOME=%s/data", home),
		crm_xasprintf("CRM_SERVER=%s", url),
		crm_xasprintf("PATH=%s",
		    getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"),
		crm_xasprintf(
		    "LANG=%s", getenv("LANG") ? getenv("LANG") : "C.UTF-8"),
		NULL,
	};
	bench_shell_runs(crm, env, runs, out);
	for (char **e = env; *e != NULL; e++) {
		free(*e);
	}
	return out->failed < out->runs ? 0 : -1;
}

int
bench_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		return -1;
	}
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	close(fd);
	return port;
}
