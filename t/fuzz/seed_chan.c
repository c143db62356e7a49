/* SPDX-License-Identifier: ISC */
/*
 * Writes the channel fuzzer's seeds (t/fuzz/corpus/chan): one well-formed
 * record of each type, as the master and the workers send them. Run by
 * `make fuzz-seeds` when the message layout changes.
 *
 *   seed_chan DIR
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "chan.h"
#include "msg.h"
#include "policy.h"
#include "service.h"

static const char *dir;

static void
seed(const char *name, uint32_t type, const void *payload, size_t len)
{
	struct msg_hdr h = { .type = type, .len = (uint32_t)len };
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(&h, sizeof(h), 1, fp) != 1 ||
	    (len > 0 && fwrite(payload, len, 1, fp) != 1) || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	static struct msg_service s;
	static struct policy p;
	struct msg_stop stop = { .drain_ms = 10000 };
	struct msg_log log = { .prio = LOG_WARNING, .dropped = 3 };
	struct msg_violation v = { .pid = 1234 };
	struct msg_spawned sp = { .pid = 1234 };
	static struct msg_guard g;
	static struct msg_sockets so;

	if (argc != 2) {
		fprintf(stderr, "usage: seed_chan dir\n");
		return 2;
	}
	dir = argv[1];
	s.version = MSG_VERSION;
	s.master_pid = 1;
	s.internal = 1;
	s.nsockets = 2;
	s.max_conns = 4096;
	snprintf(s.title, sizeof(s.title), "service=7 proto=tcp");
	seed("service-internal", MSG_SERVICE, &s, sizeof(s));
	so.n = 2;
	so.s[0] = (struct msg_socket){ .slot = 0, .socktype = SOCK_STREAM,
	    .family = 2, .builtin = BUILTIN_ECHO };
	so.s[1] = (struct msg_socket){ .slot = 1, .socktype = SOCK_DGRAM,
	    .family = 10, .builtin = BUILTIN_DAYTIME };
	seed("sockets-internal", MSG_SOCKETS, &so, sizeof(so));
	s.internal = 0;
	s.nsockets = 1;
	s.max_spawn = 256;
	s.ngroups = 1;
	s.argc = 2;
	snprintf(s.program, sizeof(s.program), "/bin/cat");
	memcpy(s.args, "cat\0-u\0", 7);
	seed("service-external", MSG_SERVICE, &s, sizeof(s));
	policy_default(&p);
	seed("policy-default", MSG_POLICY, &p, sizeof(p));
	policy_internal(&p);
	seed("policy-internal", MSG_POLICY, &p, sizeof(p));
	seed("stop", MSG_STOP, &stop, sizeof(stop));
	seed("ready", MSG_READY, NULL, 0);
	snprintf(log.text, sizeof(log.text), "udp request refused peer=\x01");
	seed("log", MSG_LOG, &log, sizeof(log));
	seed("violation", MSG_VIOLATION, &v, sizeof(v));
	seed("spawned", MSG_SPAWNED, &sp, sizeof(sp));
	g.udp_guard_ports[0] = 0x80;
	seed("guard", MSG_GUARD, &g, sizeof(g));
	seed("learn", MSG_LEARN, NULL, 0);
	return 0;
}
