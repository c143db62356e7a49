/* SPDX-License-Identifier: ISC */
/* Table-driven tests of the UDP loop and reflection guard; prints TAP. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "util.h"
#include "worker.h"

struct guard_case {
	const char	*addr;
	int		 port;
	bool		 dual;		/* dual-stack socket */
	const char	*why;		/* NULL: answered */
};

static const struct guard_case cases[] = {
	{ "127.0.0.1", 40000, false, NULL },	/* loopback is ordinary */
	{ "192.0.2.7", 40000, false, NULL },
	{ "::1", 40000, false, NULL },
	{ "2001:db8::7", 40000, false, NULL },
	{ "127.0.0.1", 19, false, "reserved-port" },
	{ "127.0.0.1", 1023, false, "reserved-port" },
	{ "127.0.0.1", 0, false, "reserved-port" },
	{ "127.0.0.1", 1024, false, NULL },
	{ "::1", 7, false, "reserved-port" },
	{ "127.0.0.1", 2049, false, "nfs-port" },
	{ "::1", 2049, false, "nfs-port" },
	{ "127.0.0.1", 10019, false, "internal-service-port" },
	{ "::1", 10019, false, "internal-service-port" },
	{ "255.255.255.255", 40000, false, "broadcast" },
	{ "192.0.2.255", 40000, false, "broadcast" },	/* an interface's */
	{ "255.1.2.3", 40000, false, "reserved-network" },
	{ "0.0.0.0", 40000, false, "zero-network" },
	{ "0.1.2.3", 40000, false, "zero-network" },
	{ "224.0.0.1", 40000, false, "multicast" },
	{ "239.255.255.250", 40000, false, "multicast" },
	{ "ff02::1", 40000, false, "multicast" },
	{ "::", 40000, false, "unspecified" },
	{ "::ffff:127.0.0.1", 40000, false, "v4-mapped" },
	{ "::ffff:127.0.0.1", 40000, true, NULL },	/* an IPv4 client */
	{ "::ffff:127.0.0.1", 19, true, "reserved-port" },
	{ "::ffff:255.255.255.255", 40000, true, "broadcast" },
	{ "::ffff:0.0.0.1", 40000, true, "zero-network" },
	{ "::ffff:224.0.0.1", 40000, true, "multicast" },
	{ "::ffff:127.0.0.1", 10019, true, "internal-service-port" },
	{ "::127.0.0.1", 40000, false, "v4-compatible" },
	{ "::127.0.0.1", 40000, true, "v4-compatible" },
};

int
main(void)
{
	uint8_t ports[GUARD_PORTS_BYTES] = { 0 };
	struct in_addr bcast;
	size_t i;
	int failures = 0;

	ports[10019 / 8] |= (uint8_t)(1 << (10019 % 8));
	guard_set_ports(ports);
	inet_pton(AF_INET, "192.0.2.255", &bcast);
	guard_add_broadcast(bcast);
	printf("1..%zu\n", ARRAY_LEN(cases));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct guard_case *c = &cases[i];
		union sockaddr_any sa;
		const char *why;
		bool good;

		memset(&sa, 0, sizeof(sa));
		if (inet_pton(AF_INET, c->addr, &sa.sin.sin_addr) == 1) {
			sa.sin.sin_family = AF_INET;
			sa.sin.sin_port = htons((uint16_t)c->port);
		} else {
			inet_pton(AF_INET6, c->addr, &sa.sin6.sin6_addr);
			sa.sin6.sin6_family = AF_INET6;
			sa.sin6.sin6_port = htons((uint16_t)c->port);
		}
		why = guard_check(&sa.sa, c->dual);
		good = (why == NULL && c->why == NULL) ||
		    (why != NULL && c->why != NULL && strcmp(why, c->why) == 0);
		printf("%sok %zu - %s port %d%s: %s\n", good ? "" : "not ",
		    i + 1, c->addr, c->port, c->dual ? " (dual-stack)" : "",
		    c->why ? c->why : "answered");
		if (!good) {
			printf("# got: %s\n", why ? why : "answered");
			failures++;
		}
	}
	return failures ? 1 : 0;
}
