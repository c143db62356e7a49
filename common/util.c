/* Small helpers every process uses: strict number parsing, clocks, memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A byte count with an optional k or m suffix (Debian's sndbuf=64k). */
int
parse_size(const char *s, unsigned long max, unsigned long *out)
{
	char digits[32];
	unsigned long v, mult = 1;
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, s, len + 1);
	switch (digits[len - 1]) {
	case 'k':
	case 'K':
		mult = 1024;
		digits[len - 1] = '\0';
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		digits[len - 1] = '\0';
		break;
	}
	if (parse_ulong(digits, 1, max / mult, &v) == -1)
		return -1;
	*out = v * mult;
	return 0;
}

/*
 * Seconds by default, or with a unit: "300", "300s", "1500ms", "5m".
 * Tests use milliseconds so they never wait long.
 */
int
parse_duration_ms(const char *s, uint64_t *out)
{
	char digits[32];
	unsigned long v, mult = 1000;
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, s, len + 1);
	if (len > 2 && strcmp(digits + len - 2, "ms") == 0) {
		mult = 1;
		digits[len - 2] = '\0';
	} else if (digits[len - 1] == 's') {
		digits[len - 1] = '\0';
	} else if (digits[len - 1] == 'm') {
		mult = 60 * 1000;
		digits[len - 1] = '\0';
	} else if (digits[len - 1] == 'h') {
		mult = 3600 * 1000;
		digits[len - 1] = '\0';
	}
	/* A week is far beyond any sensible timeout and keeps us in range. */
	if (parse_ulong(digits, 0, 7UL * 24 * 3600 * 1000 / mult, &v) == -1)
		return -1;
	*out = (uint64_t)v * mult;
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
