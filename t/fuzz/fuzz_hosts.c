/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the hosts_access(5) compiler on any bytes as
 * hosts.allow (the first half) and hosts.deny (the rest). What it builds
 * must pass the check a worker makes, and matching it must end, with a
 * name and without one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostsaccess.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hosts_table t;
	static const struct hosts_query q[] = {
		{ "echo", "127.0.0.11", NULL, "127.0.0.1", NULL },
		{ "in.fingerd", "::1", "localhost", "::1", "localhost" },
		{ "echo", "10.0.0.1", "paranoid", "", "unknown" },
		{ "tftp", "192.0.2.7", "a.example.com", "127.0.0.1", "b" },
	};
	struct errors err = { 0 }, warn = { 0 };
	struct hosts_result r;
	size_t half = size / 2, i;

	hosts_init(&t, "/etc/hosts.allow", "/etc/hosts.deny");
	(void)hosts_parse_text(&t, HOSTS_ALLOW, "hosts.allow",
	    (const char *)data, half, &err, &warn);
	(void)hosts_parse_text(&t, HOSTS_DENY, "hosts.deny",
	    (const char *)data + half, size - half, &err, &warn);
	if (hosts_check(&t) != NULL)
		abort();
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		hosts_decide(&t, &q[i], &r);
		if (r.rule >= (int)t.nrules || (r.verdict == HOSTS_REFUSE &&
		    r.why == NULL))
			abort();
	}
	errors_free(&err);
	errors_free(&warn);
	return 0;
}
