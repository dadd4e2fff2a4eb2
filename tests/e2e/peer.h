/* SPDX-License-Identifier: MIT */
/*
 * peer.h: a raw peer for the abuse tests: plain unix and TCP sockets that
 * speak nanomsg's SP wire protocol by hand (or anything else), and the
 * memory of a process from /proc. Not a client: no retries, no REQ state.
 *
 * SP over TCP: each side first sends 8 bytes (00 'S' 'P' 00, the protocol
 * id big-endian, 00 00); then every message is a 64-bit big-endian length
 * and that many bytes. ipc:// adds a message type byte (1) before the
 * length. A REQ message starts with its 4-byte request id (top bit set);
 * the reply carries it back.
 */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct crm_test_server;

#define PEER_PROTO_REQ 48 /* NN_REQ */
#define PEER_PROTO_REP 49 /* NN_REP */

/* peer_connect_ipc: a unix socket connected to url ("ipc://PATH"), or
 * -1. Non-blocking is not set. */
int peer_connect_ipc(const char *url);
/* peer_connect_tcp: a TCP socket connected to 127.0.0.1:port, or -1. */
int peer_connect_tcp(int port);
/* peer_free_port: a loopback TCP port free right now, and the next one
 * (crmd's PUB), below the ephemeral range (a small race), or -1. */
int peer_free_port(void);

/* peer_send: all len bytes, or -1 (the peer closed). */
int peer_send(int fd, const void *buf, size_t len);
/* peer_handshake: send the SP header of proto and read the server's;
 * 0 when it names want within timeout_ms, else -1. */
int peer_handshake(int fd, int proto, int want, int timeout_ms);
/* peer_send_frame: one SP message (ipc: with the type byte). */
int peer_send_frame(int fd, int ipc, const void *payload, size_t len);
/* peer_send_header: only the frame header, declaring len bytes. */
int peer_send_header(int fd, int ipc, uint64_t len);
/* peer_recv_frame: one SP message into buf (cap bytes); its length, or -1
 * on timeout, close or a message larger than cap. */
long peer_recv_frame(
    int fd, int ipc, uint8_t *buf, size_t cap, int timeout_ms);
/* peer_closed: 1 when the server closed fd within timeout_ms (anything
 * it sends before is read and dropped), else 0. */
int peer_closed(int fd, int timeout_ms);

/* peer_proc_kib: a "Name:   N kB" field of /proc/pid/status (VmRSS,
 * RssAnon, VmHWM), or -1. */
long peer_proc_kib(pid_t pid, const char *field);
/* peer_small_quarantine: in ASan builds, limit the quarantine of freed
 * memory of processes started from now on (crmd) to 8 MiB, so their
 * RSS shows leaks rather than ASan's 256 MiB of quarantine. Keeps the
 * rest of ASAN_OPTIONS; harmless without ASan. */
void peer_small_quarantine(void);
/* peer_proc_fds: open file descriptors of pid, or -1. */
long peer_proc_fds(pid_t pid);

/* peer_raise_fd_limit: this process's RLIMIT_NOFILE up to want (at most
 * the hard limit; crmd started later inherits it); the limit now. */
rlim_t peer_raise_fd_limit(rlim_t want);
/* peer_start_with_tcp: peer_small_quarantine, then crmd (harness.h)
 * listening also on a free loopback TCP port; that port. Fails the test
 * when there is none. */
int peer_start_with_tcp(struct crm_test_server *s);

#endif
