/* SPDX-License-Identifier: ISC */
/*
 * The bytes the internal services send: chargen's pattern (RFC 864, the
 * same bytes the BSD inetds send), daytime (RFC 867, the ctime form) and
 * time (RFC 868, 32-bit seconds since 1900 in network order).
 */
#include <sys/types.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "service.h"
#include "worker.h"

#define CHARGEN_COLUMNS	72
#define SECONDS_1900_TO_1970 2208988800UL

/*
 * Line i holds 72 characters of the printable ring (0x20 to 0x7e) starting
 * at ring[i], then CR LF. The whole period is laid out several times over,
 * so a write of up to CHARGEN_CHUNK bytes from any offset within the first
 * period is one contiguous slice.
 */
char chargen_pattern[CHARGEN_CHUNK + CHARGEN_PERIOD];

void
builtin_init(uint32_t builtin)
{
	static bool done;
	char *p = chargen_pattern;
	size_t i, k, copies;

	/* Its pages are touched only in a worker that serves chargen. */
	if (builtin != BUILTIN_CHARGEN || done)
		return;
	done = true;
	for (i = 0; i < CHARGEN_LINES; i++) {
		for (k = 0; k < CHARGEN_COLUMNS; k++)
			*p++ = (char)(' ' + (i + k) % CHARGEN_LINES);
		*p++ = '\r';
		*p++ = '\n';
	}
	copies = sizeof(chargen_pattern) / CHARGEN_PERIOD;
	for (i = 1; i < copies; i++)
		memcpy(chargen_pattern + i * CHARGEN_PERIOD, chargen_pattern,
		    CHARGEN_PERIOD);
}

/*
 * "Thu Nov 26 05:37:18 2026\r\n"; the time zone was read before lock-down.
 * Formatted once a second: a busy daytime worker answers from the cache.
 */
size_t
builtin_daytime(char *buf, size_t len)
{
	static char cached[DAYTIME_MAX];
	static size_t cached_len;
	static time_t cached_at = -1;
	char text[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (now != cached_at) {
		if (localtime_r(&now, &tm) == NULL ||
		    asctime_r(&tm, text) == NULL)
			return 0;
		n = snprintf(cached, sizeof(cached), "%.24s\r\n", text);
		if (n < 0 || (size_t)n >= sizeof(cached))
			return 0;
		cached_len = (size_t)n;
		cached_at = now;
	}
	if (cached_len >= len)
		return 0;
	memcpy(buf, cached, cached_len);
	return cached_len;
}

uint32_t
builtin_time(void)
{
	return htonl((uint32_t)((unsigned long)time(NULL) +
	    SECONDS_1900_TO_1970));
}

/*
 * The answer to a datagram of n bytes: its length and where it is (in
 * for echo, else a buffer of ours), or -1 for none (discard).
 */
ssize_t
builtin_datagram(uint32_t builtin, const char *in, size_t n, const char **out)
{
	static char text[DAYTIME_MAX];
	static unsigned chargen_line;
	static uint32_t t;

	switch (builtin) {
	case BUILTIN_ECHO:
		*out = in;
		return (ssize_t)n;
	case BUILTIN_CHARGEN:
		builtin_init(BUILTIN_CHARGEN);
		/* One line a datagram, its start rotating, as the BSDs do. */
		*out = chargen_pattern + chargen_line * CHARGEN_LINE_LEN;
		chargen_line = (chargen_line + 1) % CHARGEN_LINES;
		return CHARGEN_LINE_LEN;
	case BUILTIN_DAYTIME:
		*out = text;
		return (ssize_t)builtin_daytime(text, sizeof(text));
	case BUILTIN_TIME:
		t = builtin_time();
		*out = (const char *)&t;
		return sizeof(t);
	default:
		return -1;
	}
}
