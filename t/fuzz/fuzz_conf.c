/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the inetd.conf parser, on any bytes as a file. */
#include <sys/socket.h>

#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * No DNS while fuzzing: the grammar asks the load's resolver, and this
 * one answers address literals only. The real one would wait seconds for
 * a resolver this machine may not reach, and a fuzzer makes up host
 * names all day.
 */
static int
literals_only(const char *name, const char *shown,
    const struct addrinfo *hints, struct addrinfo **res, unsigned *spent_ms,
    char *why, size_t len)
{
	struct addrinfo h = *hints;
	int err;

	(void)spent_ms;
	h.ai_flags |= AI_NUMERICHOST;
	if ((err = getaddrinfo(name, NULL, &h, res)) == 0)
		return 0;
	snprintf(why, len, "cannot resolve \"%s\": %s", shown,
	    gai_strerror(err));
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char *copy;
	FILE *fp;

	/* fmemopen refuses an empty buffer; an empty file is a case too. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	fp = size > 0 ? fmemopen(copy, size, "r") : fopen("/dev/null", "r");
	if (fp != NULL) {
		memset(&c, 0, sizeof(c));
		c.resolve = literals_only;
		(void)conf_parse(fp, "fuzz.conf", &c);
		fclose(fp);
		conf_free(&c);
	}
	free(copy);
	return 0;
}
