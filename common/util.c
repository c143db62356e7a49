/* SPDX-License-Identifier: ISC */
/* Small helpers every process uses: strict number parsing, clocks, memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <time.h>

#include "log.h"
#include "util.h"

/*
 * Decimal only, no sign, no blanks, no leading "0x": an administrator who
 * writes "0x10" or "1e3" in a port field has made a mistake we must report,
 * not a number strtoul would quietly accept.
 */
int
parse_ulong(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

struct unit {
	const char	*suffix;
	unsigned long	 mult;
};

/*
 * A decimal number followed by one of the units (longest suffix listed
 * first; "" is the unit of a bare number); the product must lie in
 * [min, max].
 */
static int
parse_with_unit(const char *s, const struct unit *units, size_t nunits,
    unsigned long min, unsigned long max, unsigned long *out)
{
	char digits[32];
	size_t len = strlen(s), slen, i;
	unsigned long v;

	for (i = 0; i < nunits; i++) {
		slen = strlen(units[i].suffix);
		if (len > slen && len - slen < sizeof(digits) &&
		    strcmp(s + len - slen, units[i].suffix) == 0)
			break;
	}
	if (i == nunits)
		return -1;
	memcpy(digits, s, len - slen);
	digits[len - slen] = '\0';
	if (parse_ulong(digits, (min + units[i].mult - 1) / units[i].mult,
	    max / units[i].mult, &v) == -1)
		return -1;
	*out = v * units[i].mult;
	return 0;
}

/* A byte count with an optional k, m or g suffix (Debian's sndbuf=64k). */
int
parse_size(const char *s, unsigned long max, unsigned long *out)
{
	static const struct unit units[] = {
		{ "k", 1024 }, { "K", 1024 },
		{ "m", 1024 * 1024 }, { "M", 1024 * 1024 },
		{ "g", 1024 * 1024 * 1024 }, { "G", 1024 * 1024 * 1024 },
		{ "", 1 },
	};

	return parse_with_unit(s, units, ARRAY_LEN(units), 1, max, out);
}

/*
 * Seconds by default, or with a unit: "300", "300s", "1500ms", "5m", "1h".
 * Tests use milliseconds so they never wait long. A week is far beyond any
 * sensible timeout and keeps every sum in range.
 */
int
parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { "", 1000 },
	};
	unsigned long v;

	if (parse_with_unit(s, units, ARRAY_LEN(units), 0,
	    7UL * 24 * 3600 * 1000, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

/* Copies with truncation; returns false when src did not fit. */
bool
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size == 0)
		return false;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

bool
str_is_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Adds n bytes to h, a hash begun with FNV1A_INIT. */
uint32_t
fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (p == NULL)
		fatal("reallocarray");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

int
xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	return n;
}

int
fd_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

/* "exit=N", or "signal=NAME" with " core=yes" when it dumped core. */
void
wait_status_str(int status, char *buf, size_t len)
{
	const char *name;

	if (WIFEXITED(status))
		snprintf(buf, len, "exit=%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		name = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "signal=%s%s", name ? name : "?",
		    WCOREDUMP(status) ? " core=yes" : "");
	} else
		snprintf(buf, len, "status=%d", status);
}

/*
 * A configuration or policy file, for reading: a regular file only. A FIFO
 * would block the master's loop in open() or read() for as long as no one
 * writes to it, a device can be endless, and a directory reads as an
 * error of its "line 0". It is opened without blocking, looked at, and
 * only then read. NULL with *why saying what it is instead, or NULL and
 * errno set (*why is NULL then).
 */
void (*file_open_config_seen)(const char *);

FILE *
file_open_config(const char *path, const char **why)
{
	struct stat sb;
	FILE *fp;
	int fd, saved;

	*why = NULL;
	/* Even one that cannot be opened: once fixed, it is noticed. */
	if (file_open_config_seen != NULL)
		file_open_config_seen(path);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1)
		;
	else if (S_ISDIR(sb.st_mode))
		*why = "is a directory";
	else if (!S_ISREG(sb.st_mode))
		*why = "not a regular file";
	else if (sb.st_size > CONF_BYTES_MAX)
		*why = "larger than " CONF_STR(CONF_BYTES_MAX) " bytes";
	else if (fd_set_nonblock(fd, false) != -1 &&
	    (fp = fdopen(fd, "re")) != NULL)
		return fp;
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}
