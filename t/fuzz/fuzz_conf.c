/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the inetd.conf parser, on any bytes as a file. */
#include <sys/socket.h>

#include <dlfcn.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * No DNS while fuzzing: a host that is neither an address nor localhost
 * is not found, at once. The real lookup would wait seconds for a
 * resolver this machine may not reach, and a fuzzer makes up host names
 * all day. This definition takes the place of libc's for the parser.
 */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static int (*real)(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
	struct addrinfo h;

	if (real == NULL &&
	    (*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		return EAI_SYSTEM;
	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	if (node != NULL && strcmp(node, "localhost") != 0)
		h.ai_flags |= AI_NUMERICHOST;
	return real(node, service, &h, res);
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
		(void)conf_parse(fp, "fuzz.conf", &c);
		fclose(fp);
		conf_free(&c);
	}
	free(copy);
	return 0;
}
