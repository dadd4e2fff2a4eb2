/* SPDX-License-Identifier: MIT */
/*
 * disk.c: what the disk charges for a page. A durable commit writes its
 * dirty pages where they lie in the file, scattered, then syncs them: an
 * fdatasync after N scattered 4 KiB page writes into a file of written
 * blocks (as LMDB's are), for a few N, from one thread. The first count
 * prices a sync, the slope a page; the log scenario's pages a commit, at
 * that price, is the most logs a second the syncs alone allow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define PAGE       4096
#define FILE_PAGES (64u * 1024u) /* 256 MiB */
#define ROUNDS     40            /* syncs per count at most */

static const int counts[BENCH_DISK_COUNTS] = { 1, 16, 64, 256 };

/* Fill fd with FILE_PAGES written pages, synced: no block allocation
 * in the measured writes. */
static int
fill(int fd, const uint8_t *page)
{
	for (uint32_t i = 0; i < FILE_PAGES; i++) {
		if (pwrite(fd, page, PAGE, (off_t)i * PAGE) != PAGE) {
			return -1;
		}
	}
	return fdatasync(fd);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* One count: up to ROUNDS syncs within seconds; the p50 in us. */
static int
measure(int fd, const uint8_t *page, int n, double seconds, double *p50)
{
	uint32_t pages[256] = { 0 };
	double t[ROUNDS];
	int rounds = 0;
	uint64_t end = bench_now_ns() + (uint64_t)(seconds * 1e9);
	static uint64_t seed = 88172645463325252ull;
	while (rounds < ROUNDS && (rounds < 3 || bench_now_ns() < end)) {
		for (int i = 0; i < n; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			pages[i] = (uint32_t)(seed % FILE_PAGES);
		}
		qsort(pages, (size_t)n, sizeof(pages[0]), cmp_u32);
		for (int i = 0; i < n; i++) {
			if (pwrite(fd, page, PAGE, (off_t)pages[i] * PAGE) !=
			    PAGE) {
				return -1;
			}
		}
		uint64_t s = bench_now_ns();
		if (fdatasync(fd) != 0) {
			return -1;
		}
		t[rounds++] = (double)(bench_now_ns() - s) / 1e3;
	}
	for (int i = 1; i < rounds; i++) { /* insertion sort: few */
		double v = t[i];
		int j = i;
		for (; j > 0 && t[j - 1] > v; j--) {
			t[j] = t[j - 1];
		}
		t[j] = v;
	}
	*p50 = t[rounds / 2];
	return 0;
}

int
bench_disk_run(const char *dir, double seconds, struct bench_disk_result *out)
{
	memset(out, 0, sizeof(*out));
	char path[512];
	snprintf(path, sizeof(path), "%s/disk-pages", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		fprintf(stderr, "crm-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t page[PAGE];
	memset(page, 'p', sizeof(page));
	int rc = fill(fd, page);
	for (int i = 0; rc == 0 && i < BENCH_DISK_COUNTS; i++) {
		out->pages[i] = counts[i];
		rc = measure(fd, page, counts[i], seconds / BENCH_DISK_COUNTS,
		    &out->p50_us[i]);
	}
	if (rc != 0) {
		fprintf(stderr, "crm-bench: %s: %s\n", path, strerror(errno));
	}
	close(fd);
	unlink(path);
	if (rc != 0) {
		return -1;
	}
	int last = BENCH_DISK_COUNTS - 1;
	out->sync_us = out->p50_us[0];
	out->page_us = (out->p50_us[last] - out->p50_us[1]) /
	               (double)(counts[last] - counts[1]);
	if (out->page_us < 0) {
		out->page_us = 0;
	}
	out->ok = 1;
	return 0;
}

double
bench_disk_commit_us(const struct bench_disk_result *d, double pages)
{
	/* LMDB syncs a commit twice: its pages, then its meta page
	 * (written through an O_DSYNC descriptor). */
	return 2 * d->sync_us + d->page_us * pages;
}
