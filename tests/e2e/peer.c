/* SPDX-License-Identifier: MIT */
/* peer.c: raw SP peers and /proc memory readings for the abuse tests. */
#include "peer.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "harness.h"

/* A blocking connect waits at most 5 s (a full backlog, a server out of
 * file descriptors): SO_SNDTIMEO bounds connect on unix and TCP sockets. */
static void
bound_connect(int fd)
{
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
peer_connect_ipc(const char *url)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strncmp(url, "ipc://", 6) != 0 ||
	    strlen(url + 6) >= sizeof(a.sun_path)) {
		return -1;
	}
	strcpy(a.sun_path, url + 6);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	bound_connect(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
peer_connect_tcp(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	bound_connect(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Whether a loopback TCP port can be bound right now. */
static int
port_free(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		return 0;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int
peer_free_port(void)
{
	/* Below the kernel's ephemeral range (32768 on): an outgoing
	 * connection of another test (abuse_e2e_test holds 2,000) never
	 * takes it between this check and crmd's bind, which an ephemeral
	 * port the kernel handed out, and its neighbour, could be (CI:
	 * "crmd exited at start"). Port + 1 is free too: crmd's PUB. */
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	for (int i = 0; i < 200; i++) {
		int port = 20000 + (int)(rand_r(&seed) % 12000u);
		if (port_free(port) && port_free(port + 1)) {
			return port;
		}
	}
	return -1;
}

int
peer_send(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes within timeout_ms in all; -1 otherwise. */
static int
recv_exact(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return -1;
		}
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n <= 0) {
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int
peer_handshake(int fd, int proto, int want, int timeout_ms)
{
	uint8_t h[8] = { 0, 'S', 'P', 0, (uint8_t)(proto >> 8), (uint8_t)proto,
		0, 0 };
	if (peer_send(fd, h, sizeof(h)) != 0 ||
	    recv_exact(fd, h, sizeof(h), timeout_ms) != 0) {
		return -1;
	}
	int got = (h[4] << 8) | h[5];
	return memcmp(h, "\0SP\0", 4) == 0 && got == want ? 0 : -1;
}

int
peer_send_header(int fd, int ipc, uint64_t len)
{
	uint8_t h[9];
	size_t n = 0;
	if (ipc) {
		h[n++] = 1;
	}
	for (int i = 7; i >= 0; i--) {
		h[n++] = (uint8_t)(len >> (8 * i));
	}
	return peer_send(fd, h, n);
}

int
peer_send_frame(int fd, int ipc, const void *payload, size_t len)
{
	if (peer_send_header(fd, ipc, len) != 0) {
		return -1;
	}
	return len > 0 ? peer_send(fd, payload, len) : 0;
}

long
peer_recv_frame(int fd, int ipc, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint8_t h[9];
	size_t hn = ipc ? 9 : 8;
	if (recv_exact(fd, h, hn, timeout_ms) != 0) {
		return -1;
	}
	uint64_t len = 0;
	for (size_t i = hn - 8; i < hn; i++) {
		len = (len << 8) | h[i];
	}
	if (len > cap || recv_exact(fd, buf, (size_t)len, timeout_ms) != 0) {
		return -1;
	}
	return (long)len;
}

int
peer_closed(int fd, int timeout_ms)
{
	uint8_t buf[4096];
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, 100);
		if (r < 0 && errno != EINTR) {
			return 1;
		}
		if (r > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				return 1; /* EOF or ECONNRESET */
			}
		}
	}
	return 0;
}

long
peer_proc_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			sscanf(line + n + 1, "%ld", &v);
			break;
		}
	}
	fclose(f);
	return v;
}

long
peer_proc_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL) {
		return -1;
	}
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		n += e->d_name[0] != '.';
	}
	closedir(d);
	return n;
}

void
peer_small_quarantine(void)
{
	const char *old = getenv("ASAN_OPTIONS");
	char opts[1024];
	snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=8",
	    old != NULL ? old : "", old != NULL && *old ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
}

rlim_t
peer_raise_fd_limit(rlim_t want)
{
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	return rl.rlim_cur;
}

int
peer_start_with_tcp(struct crm_test_server *s)
{
	static char url[64];
	static const char *extra[] = { "--listen", url, NULL };
	peer_small_quarantine();
	int port = peer_free_port();
	assert_true(port > 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	crm_test_server_start_with(s, extra);
	return port;
}
