/* SPDX-License-Identifier: MIT */
/*
 * file_decode.c: which format an import file is in, and its lines as
 * UTF-8. The order of the tests: ZIP magic (an .xlsx workbook), the
 * magic of an old .xls (refused, with what to save it as), a byte order
 * mark, then one read of the whole file checking strict UTF-8 (RFC 3629:
 * no overlongs, no surrogates) and, only when that fails, a second read
 * through iconv checking GB18030. A file that is mostly good UTF-8 with a
 * few bad bytes stays UTF-8, so the rows holding them are named as bad
 * rather than the whole file read as GB18030 and garbled. A text with
 * NUL bytes throughout (binary, or UTF-16 without a mark) is refused.
 * Not a CSV parser: cmd_import.c parses the lines.
 */
#include "file_decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crm.h"
#include "xlsx_csv.h"

#define CHUNK 65536 /* bytes read at a time */
/* A file with invalid UTF-8 is still UTF-8 (with bad rows) when its good
 * multi-byte characters outnumber the bad bytes this many times: GBK
 * text read as UTF-8 is mostly bad (about one pair in ten happens to be
 * a good sequence), UTF-8 with a stray Latin-1 byte mostly good. */
#define UTF8_MOSTLY 8

enum format { F_UTF8, F_UTF8_BOM, F_GB18030, F_UTF16LE, F_UTF16BE, F_XLSX };

static const char *const names[] = {
	[F_UTF8] = "UTF-8",
	[F_UTF8_BOM] = "UTF-8 (with BOM)",
	[F_GB18030] = "GB18030",
	[F_UTF16LE] = "UTF-16LE",
	[F_UTF16BE] = "UTF-16BE",
	[F_XLSX] = "XLSX (first sheet)",
};

/* iconv's names of the formats converted. */
static const char *const from[] = {
	[F_GB18030] = "GB18030",
	[F_UTF16LE] = "UTF-16LE",
	[F_UTF16BE] = "UTF-16BE",
};

struct file_decode {
	enum format format;
	FILE *f;
	iconv_t cd;  /* (iconv_t)-1: the bytes are UTF-8 already */
	size_t skip; /* the byte order mark's bytes */
	char in[CHUNK];
	size_t inlen; /* bytes of a character cut by the chunk's end */
	char *out;    /* converted text not yet returned */
	size_t outcap, outpos, outlen;
	bool eof;
	uint64_t done, size;
	char why[400];
};

/* ------------------------------------------------------------ detection */

/* What one read of the file as UTF-8 found. */
struct scan {
	uint64_t good;  /* multi-byte characters */
	uint64_t bad;   /* bytes that begin no valid character */
	uint64_t nul;   /* NUL bytes */
	uint64_t first; /* offset of the first bad byte */
};

/* The length of the valid UTF-8 character at s (n bytes there), 0 when
 * the bytes are not one, -1 when more bytes are needed to tell. */
static int
utf8_char(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len;
	unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
	if (c < 0x80) {
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
		hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
		hi = c == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
	} else {
		return 0;
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n) {
			return -1;
		}
		unsigned char lim_lo = i == 1 ? lo : 0x80;
		unsigned char lim_hi = i == 1 ? hi : 0xBF;
		if (s[i] < lim_lo || s[i] > lim_hi) {
			return 0;
		}
	}
	return len;
}

/* Read f from its start to the end as UTF-8. Errors: CRM_EINVAL. */
static crm_status
scan_utf8(file_decode *d, struct scan *sc)
{
	unsigned char buf[CHUNK + 4];
	size_t have = 0;
	uint64_t off = 0;
	memset(sc, 0, sizeof(*sc));
	for (;;) {
		size_t n = fread(buf + have, 1, CHUNK, d->f);
		bool last = n == 0;
		have += n;
		size_t i = 0;
		while (i < have) {
			int len = utf8_char(buf + i, have - i);
			if (len < 0 && !last) {
				break; /* the rest comes with the next chunk */
			}
			if (len <= 0) {
				if (sc->bad++ == 0) {
					sc->first = off + i;
				}
				i++;
				continue;
			}
			sc->nul += buf[i] == 0;
			sc->good += len > 1;
			i += (size_t)len;
		}
		off += i;
		memmove(buf, buf + i, have - i);
		have -= i;
		if (last) {
			break;
		}
	}
	if (ferror(d->f)) {
		snprintf(d->why, sizeof(d->why), "cannot read it: %s",
		    strerror(errno));
		return CRM_EINVAL;
	}
	return CRM_OK;
}

/* Whether the file from its start converts from GB18030 without error;
 * *at: the offset of the first byte that does not. */
static bool
valid_gb18030(file_decode *d, uint64_t *at)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	char in[CHUNK], out[4 * CHUNK];
	size_t have = 0;
	uint64_t off = 0;
	bool ok = true;
	if (cd == (iconv_t)-1) {
		*at = 0;
		return false;
	}
	rewind(d->f);
	for (;;) {
		size_t n = fread(in + have, 1, sizeof(in) - have, d->f);
		have += n;
		if (n == 0) {
			ok = have == 0 && !ferror(d->f); /* a cut character */
			break;
		}
		char *ip = in, *op = out;
		size_t il = have, ol = sizeof(out);
		/* out holds 4 bytes per input byte: no E2BIG */
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 &&
		    errno != EINVAL) {
			off += (uint64_t)(ip - in);
			ok = false;
			break;
		}
		off += (uint64_t)(ip - in);
		memmove(in, ip, il);
		have = il;
	}
	*at = off;
	iconv_close(cd);
	return ok;
}

static crm_status
refuse(file_decode *d, const char *what)
{
	snprintf(d->why, sizeof(d->why), "%s; import reads %s", what,
	    FILE_DECODE_ACCEPTED);
	return CRM_EINVAL;
}

/* Which text format the file is in; f at its start. */
static crm_status
detect(file_decode *d)
{
	unsigned char head[8] = { 0 };
	size_t n = fread(head, 1, sizeof(head), d->f);
	struct scan sc;
	uint64_t at = 0;
	char what[160];

	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
		d->format = F_UTF8_BOM;
		d->skip = 3;
		return CRM_OK;
	}
	if (n >= 2 && memcmp(head, "\xFF\xFE", 2) == 0) {
		d->format = F_UTF16LE;
		d->skip = 2;
		return CRM_OK;
	}
	if (n >= 2 && memcmp(head, "\xFE\xFF", 2) == 0) {
		d->format = F_UTF16BE;
		d->skip = 2;
		return CRM_OK;
	}
	if (n == 8 &&
	    memcmp(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		return refuse(d, "it is an Excel 97-2003 workbook (.xls): "
		                 "save it as .xlsx or CSV");
	}
	rewind(d->f);
	crm_status rc = scan_utf8(d, &sc);
	if (rc != CRM_OK) {
		return rc;
	}
	d->format = F_UTF8;
	/* Mostly NUL bytes: binary, or UTF-16 saved without a mark. A NUL
	 * here and there in text is a bad row, named as such. */
	if (sc.nul > 0 && sc.nul * 8 >= d->size) {
		return refuse(d, "it is not text (NUL bytes throughout: a "
		                 "binary file, or UTF-16 without a byte order "
		                 "mark)");
	}
	if (sc.bad == 0 || (sc.good > 0 && sc.good >= UTF8_MOSTLY * sc.bad)) {
		return CRM_OK;
	}
	/* GB18030 text has no NUL bytes: one means binary. */
	if (sc.nul == 0 && valid_gb18030(d, &at)) {
		d->format = F_GB18030;
		return CRM_OK;
	}
	snprintf(what, sizeof(what),
	    "it is neither UTF-8 nor GB18030 text (a binary file or another "
	    "encoding; byte %llu)",
	    (unsigned long long)(sc.nul == 0 ? at : sc.first));
	return refuse(d, what);
}

/* ------------------------------------------------------------ reading */

crm_status
file_decode_open(const char *path, file_decode **out, char *why, size_t whylen)
{
	file_decode *d = crm_xcalloc(1, sizeof(*d));
	unsigned char magic[4] = { 0 };
	struct stat st;
	crm_status rc;

	*out = NULL;
	d->cd = (iconv_t)-1;
	d->f = fopen(path, "rb");
	if (d->f == NULL) {
		snprintf(
		    why, whylen, "cannot open %s: %s", path, strerror(errno));
		free(d);
		return CRM_EINVAL;
	}
	if (fstat(fileno(d->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s is a folder", path);
		rc = CRM_EINVAL;
		goto fail;
	}
	d->size = (uint64_t)st.st_size;
	if (fread(magic, 1, 4, d->f) == 4 &&
	    memcmp(magic, "PK\x03\x04", 4) == 0) {
		FILE *csv = NULL;
		rc = xlsx_csv_open(path, &csv, d->why, sizeof(d->why));
		if (rc != CRM_OK) {
			snprintf(why, whylen, "%s: %s", path, d->why);
			goto fail;
		}
		fclose(d->f);
		d->f = csv;
		d->format = F_XLSX;
		d->size =
		    fstat(fileno(csv), &st) == 0 ? (uint64_t)st.st_size : 0;
	} else {
		rewind(d->f);
		rc = detect(d);
		if (rc != CRM_OK) {
			snprintf(why, whylen, "%s: %s", path, d->why);
			goto fail;
		}
	}
	if (d->format == F_GB18030 || d->format == F_UTF16LE ||
	    d->format == F_UTF16BE) {
		d->cd = iconv_open("UTF-8", from[d->format]);
		if (d->cd == (iconv_t)-1) {
			snprintf(why, whylen, "%s: cannot convert from %s: %s",
			    path, from[d->format], strerror(errno));
			rc = CRM_INTERNAL;
			goto fail;
		}
	}
	rc = file_decode_rewind(d);
	if (rc != CRM_OK) {
		snprintf(why, whylen, "%s: %s", path, d->why);
		goto fail;
	}
	*out = d;
	return CRM_OK;
fail:
	file_decode_close(d);
	return rc;
}

const char *
file_decode_name(const file_decode *d)
{
	return names[d->format];
}

bool
file_decode_is_sheet(const file_decode *d)
{
	return d->format == F_XLSX;
}

crm_status
file_decode_rewind(file_decode *d)
{
	if (fseek(d->f, (long)d->skip, SEEK_SET) != 0) {
		snprintf(d->why, sizeof(d->why), "cannot seek: %s",
		    strerror(errno));
		return CRM_EINVAL;
	}
	if (d->cd != (iconv_t)-1) {
		iconv(d->cd, NULL, NULL, NULL, NULL); /* the initial state */
	}
	d->inlen = d->outpos = d->outlen = 0;
	d->eof = false;
	d->done = d->skip;
	return CRM_OK;
}

/* Room for n more bytes of converted text. */
static void
out_room(file_decode *d, size_t n)
{
	if (d->outpos > 0) {
		memmove(d->out, d->out + d->outpos, d->outlen - d->outpos);
		d->outlen -= d->outpos;
		d->outpos = 0;
	}
	if (d->outcap - d->outlen < n) {
		d->outcap = d->outlen + n;
		d->out = crm_xrealloc(d->out, d->outcap);
	}
}

/* Read and convert one more chunk. Errors: CRM_EINVAL. */
static crm_status
fill(file_decode *d)
{
	size_t n = fread(d->in + d->inlen, 1, sizeof(d->in) - d->inlen, d->f);
	if (n == 0) {
		d->eof = true;
		if (ferror(d->f)) {
			snprintf(d->why, sizeof(d->why), "cannot read it: %s",
			    strerror(errno));
			return CRM_EINVAL;
		}
		if (d->inlen > 0) {
			snprintf(d->why, sizeof(d->why),
			    "it ends inside a %s character", names[d->format]);
			return CRM_EINVAL;
		}
		return CRM_OK;
	}
	d->done += n;
	if (d->cd == (iconv_t)-1) {
		out_room(d, n);
		memcpy(d->out + d->outlen, d->in, n);
		d->outlen += n;
		return CRM_OK;
	}
	d->inlen += n;
	/* UTF-8 takes at most 3 bytes per UTF-16 unit or GB18030 byte
	 * pair, 4 per 4-byte character: 2 per byte is enough, 4 is safe. */
	out_room(d, 4 * d->inlen);
	char *ip = d->in, *op = d->out + d->outlen;
	size_t il = d->inlen, ol = d->outcap - d->outlen;
	if (iconv(d->cd, &ip, &il, &op, &ol) == (size_t)-1 &&
	    errno != EINVAL) {
		snprintf(d->why, sizeof(d->why),
		    "it is not %s text at byte %llu%s", names[d->format],
		    (unsigned long long)(d->done - d->inlen +
		                         (uint64_t)(ip - d->in)),
		    d->format == F_GB18030 ? " (changed since it was checked?)"
		                           : "");
		return CRM_EINVAL;
	}
	d->outlen = (size_t)(op - d->out);
	memmove(d->in, ip, il);
	d->inlen = il;
	return CRM_OK;
}

crm_status
file_decode_line(file_decode *d, char **line, size_t *cap, size_t *len)
{
	size_t scanned = 0;
	*len = 0;
	for (;;) {
		const char *s = d->out + d->outpos;
		size_t avail = d->outlen - d->outpos;
		const char *nl = avail > scanned ? memchr(s + scanned, '\n',
		                                       avail - scanned)
		                                 : NULL;
		size_t n = nl != NULL ? (size_t)(nl - s) + 1
		           : d->eof   ? avail
		                      : 0;
		if (n > 0) {
			if (*cap < n + 1) {
				*cap = n + 1;
				*line = crm_xrealloc(*line, *cap);
			}
			memcpy(*line, s, n);
			(*line)[n] = '\0';
			d->outpos += n;
			*len = n;
			return CRM_OK;
		}
		if (d->eof) {
			return CRM_NOT_FOUND;
		}
		scanned = avail;
		crm_status rc = fill(d);
		if (rc != CRM_OK) {
			return rc;
		}
	}
}

void
file_decode_progress(const file_decode *d, uint64_t *done, uint64_t *total)
{
	*done = d->done;
	*total = d->size;
}

const char *
file_decode_error(const file_decode *d)
{
	return d->why;
}

void
file_decode_close(file_decode *d)
{
	if (d == NULL) {
		return;
	}
	if (d->cd != (iconv_t)-1) {
		iconv_close(d->cd);
	}
	if (d->f != NULL) {
		fclose(d->f);
	}
	free(d->out);
	free(d);
}
