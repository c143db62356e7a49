/* SPDX-License-Identifier: ISC */
/*
 * A peer's packed form and its hash, the one every per-source table keys
 * on (the per-IP limits, the refusal log's rate limit); prints TAP.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "tap.h"
#include "util.h"
#include "worker.h"

static union sockaddr_any
sa_of(const char *text, int port)
{
	union sockaddr_any a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, &a.sin.sin_addr) == 1) {
		a.sin.sin_family = AF_INET;
		a.sin.sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, text, &a.sin6.sin6_addr) == 1) {
		a.sin6.sin6_family = AF_INET6;
		a.sin6.sin6_port = htons((uint16_t)port);
	}
	return a;
}

int
main(void)
{
	union sockaddr_any v4 = sa_of("192.0.2.7", 40000),
	    mapped = sa_of("::ffff:192.0.2.7", 40001),
	    other = sa_of("192.0.2.8", 40000),
	    v6 = sa_of("2001:db8::7", 40000),
	    un = { .sa.sa_family = AF_UNIX };
	uint8_t a[16], b[16], zero[16] = { 0 };
	uint8_t fa, fb;
	char text[ADDR_STR_MAX];

	fa = addr_pack(&v4.sa, a);
	fb = addr_pack(&mapped.sa, b);
	ok(fa == AF_INET && fb == AF_INET && memcmp(a, b, 16) == 0,
	    "a v4-mapped peer packs as the IPv4 it is, whatever its port");
	ok(addr_pack_hash(fa, a) == addr_pack_hash(fb, b),
	    "and hashes as it");
	ok(strcmp(addr_packed_str(fa, a, 7, text, sizeof(text)),
	    "192.0.2.7:7") == 0, "the packed form reads back (%s)", text);
	fb = addr_pack(&other.sa, b);
	ok(memcmp(a, b, 16) != 0 && addr_pack_hash(fa, a) !=
	    addr_pack_hash(fb, b), "another address packs and hashes apart");
	fb = addr_pack(&v6.sa, b);
	ok(fb == AF_INET6 && strcmp(addr_packed_str(fb, b, 7, text,
	    sizeof(text)), "[2001:db8::7]:7") == 0, "IPv6 packs whole (%s)",
	    text);
	fb = addr_pack(&un.sa, b);
	ok(fb == 0 && memcmp(b, zero, 16) == 0,
	    "a unix peer packs as no family, no address");
	ok(fnv1a(FNV1A_INIT, "a", 1) == 0xe40c292cu,
	    "FNV-1a of \"a\" is the published 0xe40c292c");

	/* The refusal log: one line a minute for a source and reason. */
	ok(peerlog_due(&v4.sa, "only-from", 1000) == 1,
	    "the first refusal of a source is logged");
	ok(peerlog_due(&mapped.sa, "only-from", 2000) == 0,
	    "the same source again, as a dual socket sees it, is not");
	ok(peerlog_due(&v6.sa, "only-from", 2000) == 1,
	    "another source is");
	ok(peerlog_due(&v4.sa, "only-from", 62000) == 1,
	    "and the first again, a minute on");
	printf("1..%d\n", test_num);
	return failures != 0;
}
