/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: an internal UDP service's handling of one datagram:
 * the source guard and the policy's only-from/no-access on the peer the
 * bytes describe, the address as logged, and the answer of each builtin.
 *
 * Input: byte 0 the builtin, byte 1 the family (even IPv4, odd IPv6) and
 * whether the socket is dual, 16 bytes of address, 2 of port, the payload.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "policy.h"
#include "service.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct policy pol;
static volatile uint8_t sink;

static void
init(void)
{
	static const char text[] =
	    "only-from 127.0.0.0/8 ::1/128 10.0.0.0/8 ::ffff:192.0.2.0/120\n"
	    "no-access 127.0.0.2/32 10.1.0.0/16\n";
	struct errors err = { 0 };
	uint8_t ports[GUARD_PORTS_BYTES] = { 0 };

	if (policy_parse_text("fuzz.policy", text, &pol, &err) != 0 ||
	    err.n != 0)
		abort();
	ports[7 / 8] |= 1 << (7 % 8);		/* echo */
	ports[19 / 8] |= 1 << (19 % 8);		/* chargen */
	guard_set_ports(ports);
	guard_read_broadcasts();
	builtin_init(BUILTIN_CHARGEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	union sockaddr_any peer;
	char addr[ADDR_STR_MAX];
	const char *out;
	socklen_t len;
	ssize_t n, i;
	uint16_t port;
	uint8_t sum = 0;

	if (!ready) {
		init();
		ready = 1;
	}
	if (size < 20)
		return 0;
	memset(&peer, 0, sizeof(peer));
	memcpy(&port, data + 18, sizeof(port));
	if (data[1] & 1) {
		peer.sin6.sin6_family = AF_INET6;
		memcpy(&peer.sin6.sin6_addr, data + 2, 16);
		peer.sin6.sin6_port = port;
		len = sizeof(peer.sin6);
	} else {
		peer.sin.sin_family = AF_INET;
		memcpy(&peer.sin.sin_addr, data + 2, 4);
		peer.sin.sin_port = port;
		len = sizeof(peer.sin);
	}
	(void)guard_check(&peer.sa, (data[1] & 2) != 0);
	(void)policy_refuses_peer(&pol, &peer.sa);
	(void)addr_str(&peer.sa, len, addr, sizeof(addr));
	n = builtin_datagram(data[0] % (BUILTIN_TIME + 1),
	    (const char *)data + 20, size - 20, &out);
	for (i = 0; i < n; i++)
		sum ^= (uint8_t)out[i];	/* every byte of the answer is read */
	sink = sum;
	return 0;
}
