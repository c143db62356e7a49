/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the policy parser on any text, and for a policy it
 * accepts, the seccomp filter it compiles to.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_filter f;
	struct errors err = { 0 };
	struct policy *p;
	char *text, msg[256];

	text = malloc(size + 1);
	p = calloc(1, sizeof(*p));
	if (text == NULL || p == NULL)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	if (policy_parse_text("fuzz.policy", text, p, &err) == 0 &&
	    err.n == 0) {
		memset(&f, 0, sizeof(f));
		if (filter_compile(p, &f, msg, sizeof(msg)) == 0)
			free(f.prog);
	}
out:
	errors_free(&err);
	free(p);
	free(text);
	return 0;
}
