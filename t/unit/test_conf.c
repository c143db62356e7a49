/* SPDX-License-Identifier: ISC */
/* Table-driven tests of the inetd.conf parser; prints TAP. */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"
#include "util.h"


static void
parse_len(const char *text, size_t len, struct conf *c)
{
	FILE *fp = fmemopen((void *)text, len, "r");

	memset(c, 0, sizeof(*c));
	if (fp == NULL) {
		perror("fmemopen");
		exit(1);
	}
	conf_parse(fp, "t.conf", c);
	fclose(fp);
}

static void
parse(const char *text, struct conf *c)
{
	parse_len(text, strlen(text), c);
}

static void
diag_conf(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->err.n; i++)
		printf("# error: %s\n", c->err.v[i]);
	for (i = 0; i < c->nsvc; i++)
		printf("# service: %s\n", c->svc[i]->fields);
}

static const char *
addr_of(const struct service *s)
{
	static char buf[ADDR_STR_MAX];

	return addr_str(&s->addr.sa, s->addrlen, buf, sizeof(buf));
}

/* A service with this address, or NULL. */
static const struct service *
find(const struct conf *c, const char *addr)
{
	size_t i;

	for (i = 0; i < c->nsvc; i++)
		if (strcmp(addr_of(c->svc[i]), addr) == 0)
			return c->svc[i];
	return NULL;
}

struct accept_case {
	const char	*name;
	const char	*text;
	size_t		 nsvc;
	const char	*addr;		/* one of the services */
	const char	*proto;
	int		 builtin;
	const char	*policy;
	const char	*argv;		/* argv joined with '|' */
	unsigned	 uid, gid;
};

static const struct accept_case accepts[] = {
	{ "plain tcp listens on IPv4 and IPv6",
	  "echo stream tcp nowait root internal\n", 2, "0.0.0.0:7", "tcp",
	  BUILTIN_ECHO, "echo", "echo", 0, 0 },
	{ "plain tcp: the IPv6 half",
	  "echo stream tcp nowait root internal\n", 2, "[::]:7", "tcp",
	  BUILTIN_ECHO, "echo", "echo", 0, 0 },
	{ "IPv4 address prefix, tcp4",
	  "127.0.0.1:daytime stream tcp4 nowait nobody internal\n", 1,
	  "127.0.0.1:13", "tcp4", BUILTIN_DAYTIME, "daytime", "daytime",
	  65534, 65534 },
	{ "bracketed IPv6, udp6",
	  "[::1]:echo dgram udp6 wait nobody internal\n", 1, "[::1]:7",
	  "udp6", BUILTIN_ECHO, "echo", "echo", 65534, 65534 },
	{ "tcp46 on *",
	  "*:time stream tcp46 nowait nobody internal\n", 1, "[::]:37",
	  "tcp46", BUILTIN_TIME, "time", "time", 65534, 65534 },
	{ "comma list, numeric port, builtin named after internal",
	  "127.0.0.1,[::1]:10007 stream tcp nowait nobody internal echo\n", 2,
	  "[::1]:10007", "tcp", BUILTIN_ECHO, "10007", "echo", 65534, 65534 },
	{ "host name resolves",
	  "localhost:discard stream tcp4 nowait nobody internal\n", 1,
	  "127.0.0.1:9", "tcp4", BUILTIN_DISCARD, "discard", "discard",
	  65534, 65534 },
	{ "addr: line sets the default",
	  "127.0.0.1:\necho stream tcp nowait nobody internal\n", 1,
	  "127.0.0.1:7", "tcp", BUILTIN_ECHO, "echo", "echo", 65534, 65534 },
	{ "*: line resets the default",
	  "127.0.0.1:\n*:\necho stream tcp4 nowait nobody internal\n", 1,
	  "0.0.0.0:7", "tcp4", BUILTIN_ECHO, "echo", "echo", 65534, 65534 },
	{ ":service means *",
	  ":chargen stream tcp4 nowait nobody internal\n", 1, "0.0.0.0:19",
	  "tcp4", BUILTIN_CHARGEN, "chargen", "chargen", 65534, 65534 },
	{ "an alias from /etc/services picks the builtin",
	  "sink stream tcp4 nowait nobody internal\n", 1, "0.0.0.0:9",
	  "tcp4", BUILTIN_DISCARD, "discard", "discard", 65534, 65534 },
	{ "external with arguments",
	  "ftp stream tcp4 nowait root /usr/sbin/ftpd ftpd -l\n", 1,
	  "0.0.0.0:21", "tcp4", BUILTIN_NONE, "ftp", "ftpd|-l", 0, 0 },
	{ "external without arguments: argv[0] is the basename",
	  "finger stream tcp4 nowait nobody /usr/sbin/in.fingerd\n", 1,
	  "0.0.0.0:79", "tcp4", BUILTIN_NONE, "finger", "in.fingerd",
	  65534, 65534 },
	{ "continuation lines",
	  "tftp dgram udp4 wait root\n\t/usr/sbin/in.tftpd\n"
	  "  in.tftpd -s /srv/tftp\n", 1, "0.0.0.0:69", "udp4", BUILTIN_NONE,
	  "tftp", "in.tftpd|-s|/srv/tftp", 0, 0 },
	{ "quotes group words and are removed",
	  "10020 stream tcp4 nowait nobody /bin/sh sh -c 'echo \"hi there\"'"
	  " \"a b\"c\n", 1, "0.0.0.0:10020", "tcp4", BUILTIN_NONE, "10020",
	  "sh|-c|echo \"hi there\"|a bc", 65534, 65534 },
	{ "user.group",
	  "echo stream tcp4 nowait nobody.nogroup internal\n", 1,
	  "0.0.0.0:7", "tcp4", BUILTIN_ECHO, "echo", "echo", 65534, 65534 },
	{ "user:group",
	  "echo stream tcp4 nowait root:nogroup internal\n", 1, "0.0.0.0:7",
	  "tcp4", BUILTIN_ECHO, "echo", "echo", 0, 65534 },
	{ "numeric user and group",
	  "echo stream tcp4 nowait 65534:0 internal\n", 1, "0.0.0.0:7",
	  "tcp4", BUILTIN_ECHO, "echo", "echo", 65534, 0 },
	{ "numeric port of a builtin, builtin named",
	  "7 stream tcp4 nowait root internal echo\n", 1, "0.0.0.0:7",
	  "tcp4", BUILTIN_ECHO, "7", "echo", 0, 0 },
	{ "comments, blank lines, CRLF",
	  "# a comment\n\n   # indented comment\r\n"
	  "echo stream tcp4 nowait root internal\r\n# end\n", 1, "0.0.0.0:7",
	  "tcp4", BUILTIN_ECHO, "echo", "echo", 0, 0 },
	{ "an explicit tcp6 line wins over the implied half of tcp",
	  "echo stream tcp nowait root internal\n"
	  "echo stream tcp6 nowait nobody internal\n", 2, "[::]:7", "tcp6",
	  BUILTIN_ECHO, "echo", "echo", 65534, 65534 },
	{ "unix stream socket",
	  "/run/sinetd-test.sock stream unix nowait nobody /bin/cat\n", 1,
	  "/run/sinetd-test.sock", "unix", BUILTIN_NONE, "sinetd-test.sock",
	  "cat", 65534, 65534 },
	{ "unix seqpacket socket",
	  "/run/s.sock seqpacket unix nowait nobody /bin/cat cat -u\n", 1,
	  "/run/s.sock", "unix", BUILTIN_NONE, "s.sock", "cat|-u", 65534,
	  65534 },
};

static void
check_accept(const struct accept_case *ac)
{
	const struct service *s;
	struct conf c;
	char argv[512] = "";
	int i;

	parse(ac->text, &c);
	s = find(&c, ac->addr);
	if (s != NULL)
		for (i = 0; i < s->argc; i++) {
			if (i > 0)
				strcat(argv, "|");
			strcat(argv, s->argv[i]);
		}
	ok(c.err.n == 0 && c.nsvc == ac->nsvc && s != NULL &&
	    strcmp(s->proto, ac->proto) == 0 &&
	    (int)s->builtin == ac->builtin &&
	    strcmp(s->policy_name, ac->policy) == 0 &&
	    strcmp(argv, ac->argv) == 0 && s->uid == ac->uid &&
	    s->gid == ac->gid && s->line >= 1,
	    "accepts: %s", ac->name);
	if (failures)
		diag_conf(&c);
	conf_free(&c);
}

struct reject_case {
	const char	*text;
	const char	*prefix;	/* the start of the one error */
};

static const struct reject_case rejects[] = {
	{ "echo stream tcp nowait root\n", "t.conf:1: server: missing" },
	{ "echo\n", "t.conf:1: socket-type: missing" },
	{ "echo strem tcp nowait root internal\n",
	  "t.conf:1: socket-type: unknown socket type" },
	{ "echo raw tcp nowait root internal\n",
	  "t.conf:1: socket-type: \"raw\" sockets are not supported" },
	{ "echo stream tcpx nowait root internal\n",
	  "t.conf:1: protocol: unknown protocol" },
	{ "echo stream udp nowait root internal\n",
	  "t.conf:1: protocol: udp with a stream socket" },
	{ "echo dgram tcp wait root internal\n",
	  "t.conf:1: protocol: tcp with a dgram socket" },
	{ "rstatd/1-3 dgram rpc/udp wait root /usr/sbin/rpc.rstatd\n",
	  "t.conf:1: protocol: RPC services" },
	{ "echo stream tcp,sndbuf=abc nowait root internal\n",
	  "t.conf:1: protocol: sndbuf=abc: not a size" },
	{ "echo stream tcp,rcvbuf=0 nowait root internal\n",
	  "t.conf:1: protocol: rcvbuf=0: not a size" },
	{ "echo stream tcp,rcvbuf=99999999999 nowait root internal\n",
	  "t.conf:1: protocol: rcvbuf=99999999999: not a size" },
	{ "echo stream tcp,foo=1 nowait root internal\n",
	  "t.conf:1: protocol: unknown option" },
	{ "echo stream tcp,sndbuf=1k,sndbuf=2k nowait root internal\n",
	  "t.conf:1: protocol: sndbuf given twice" },
	{ "echo seqpacket tcp nowait root internal\n",
	  "t.conf:1: protocol: seqpacket sockets are supported over unix" },
	{ "nosuchservice stream tcp nowait root internal\n",
	  "t.conf:1: service: unknown service" },
	{ "0 stream tcp nowait root /bin/cat\n",
	  "t.conf:1: service: port 0 is not between 1 and 65535" },
	{ "70000 stream tcp nowait root /bin/cat\n",
	  "t.conf:1: service: port 70000" },
	{ "echo stream tcp nowt root internal\n",
	  "t.conf:1: wait: \"nowt\": expected wait or nowait" },
	{ "echo stream tcp nowait.0 root internal\n",
	  "t.conf:1: wait: \"0\": the spawn limit" },
	{ "echo stream tcp nowait.1x root internal\n",
	  "t.conf:1: wait: \"1x\": the spawn limit" },
	{ "echo stream tcp nowait/1/2/3/4 root internal\n",
	  "t.conf:1: wait: too many limits" },
	{ "echo stream tcp nowait/x root internal\n",
	  "t.conf:1: wait: max-child \"x\"" },
	{ "echo stream tcp nowait/1/-2 root internal\n",
	  "t.conf:1: wait: max-connections-per-ip-per-minute \"-2\"" },
	{ "echo stream tcp nowait nosuchuser internal\n",
	  "t.conf:1: user: unknown user \"nosuchuser\"" },
	{ "echo stream tcp nowait root.nosuchgroup internal\n",
	  "t.conf:1: user: unknown group \"nosuchgroup\"" },
	{ "echo stream tcp nowait root/staff internal\n",
	  "t.conf:1: user: \"root/staff\": login classes (FreeBSD's" },
	{ "echo stream tcp nowait root: internal\n",
	  "t.conf:1: user: \"root:\": empty group name" },
	{ "echo stream tcp nowait 99999 internal\n",
	  "t.conf:1: user: uid 99999 has no passwd entry" },
	{ "echo stream tcp nowait root bin/cat\n",
	  "t.conf:1: server: \"bin/cat\" must be an absolute path" },
	{ "10007 stream tcp nowait root internal\n",
	  "t.conf:1: server: \"10007\" is not a builtin" },
	{ "10007 stream tcp nowait root internal tcpmux\n",
	  "t.conf:1: arguments: unknown builtin \"tcpmux\"" },
	{ "/tmp/x stream unix nowait root internal echo\n",
	  "t.conf:1: server: internal services run over tcp or udp only" },
	{ "x.sock stream unix nowait root /bin/cat\n",
	  "t.conf:1: service: unix socket \"x.sock\" must be an absolute" },
	{ ":root:nosuchgroup:0600:/tmp/x stream unix nowait root /bin/cat\n",
	  "t.conf:1: service: unknown socket group" },
	{ ":root:root:999:/tmp/x stream unix nowait root /bin/cat\n",
	  "t.conf:1: service: socket mode \"999\"" },
	{ ":root:root/tmp/x stream unix nowait root /bin/cat\n",
	  "t.conf:1: service: \":root:root/tmp/x\": a unix socket prefix" },
	{ "/tmp/ stream unix nowait root /bin/cat\n",
	  "t.conf:1: service: unix socket \"/tmp/\" names a directory" },
	{ "127.0.0.1:echo stream tcp6 nowait root internal\n",
	  "t.conf:1: service: \"127.0.0.1\" has no IPv6 address" },
	{ "[::1]:echo stream tcp4 nowait root internal\n",
	  "t.conf:1: service: \"[::1]\" has no IPv4 address" },
	{ "[::1:echo stream tcp nowait root internal\n",
	  "t.conf:1: service: \"[::1:echo\": unbalanced brackets" },
	{ "10020 stream tcp nowait nobody /bin/sh sh -c 'echo\n",
	  "t.conf:1: arguments: unterminated single quote" },
	{ "\techo stream tcp nowait root internal\n",
	  "t.conf:1: line: continuation line without an entry" },
	{ "tftp dgram udp nowait root /usr/sbin/in.tftpd\n",
	  "t.conf:1: wait: a dgram server must be wait" },
	{ "echo stream\n\ttcp nowaitt root internal\n",
	  "t.conf:2: wait: \"nowaitt\"" },
};

static void
check_reject(const struct reject_case *rc)
{
	struct conf c;
	bool good;

	parse(rc->text, &c);
	good = c.err.n == 1 && c.nsvc == 0 &&
	    strncmp(c.err.v[0], rc->prefix, strlen(rc->prefix)) == 0;
	ok(good, "rejects: %s", rc->prefix);
	if (!good)
		diag_conf(&c);
	conf_free(&c);
}

static void
check_specials(void)
{
	const struct service *s;
	struct conf c;
	char text[4096];
	int i, n;

	parse("echo stream tcp4,sndbuf=64k,rcvbuf=1m nowait.10 nobody "
	    "internal\n", &c);
	s = c.nsvc == 1 ? c.svc[0] : NULL;
	ok(s && s->sndbuf == 65536 && s->rcvbuf == 1048576 &&
	    s->max_spawn == 10 && !s->wait, "socket buffers and nowait.N");
	conf_free(&c);

	parse("echo stream tcp4 nowait/5/20/2 nobody internal\n"
	    "daytime dgram udp4 wait nobody internal\n", &c);
	ok(c.nsvc == 2 && c.svc[0]->max_child == 5 &&
	    c.svc[0]->max_cpm == 20 && c.svc[0]->max_perip == 2 &&
	    c.svc[1]->wait, "FreeBSD limits and wait");
	conf_free(&c);

	parse(":nobody:nogroup:0660:/tmp/y.sock stream unix nowait root "
	    "/bin/cat\n", &c);
	s = c.nsvc == 1 ? c.svc[0] : NULL;
	ok(s && s->unix_owner && s->sock_uid == 65534 &&
	    s->sock_gid == 65534 && s->sock_mode == 0660 &&
	    strcmp(s->name, "/tmp/y.sock") == 0 &&
	    strcmp(s->policy_name, "y.sock") == 0,
	    "FreeBSD :user:group:mode: prefix");
	conf_free(&c);

	parse("echo stream tcp4 nowait root internal\n"
	    "echo stream tcp4 nowait nobody internal\n", &c);
	ok(c.nsvc == 1 && c.err.n == 1 && strcmp(c.err.v[0], "t.conf:2: service: "
	    "echo/tcp4 on 0.0.0.0:7 is already configured at line 1") == 0,
	    "a repeated service is an error of the later line");
	conf_free(&c);

	/* Past the identity index's first sizes: a twin is still found. */
	{
		char *big = NULL, line[16], want[160];
		size_t len = 0;
		FILE *m = open_memstream(&big, &len);

		for (i = 0; i < 300; i++)
			fprintf(m, "127.0.0.1:%d stream tcp nowait nobody "
			    "internal echo\n", 20000 + i);
		fprintf(m, "127.0.0.1:%d stream tcp nowait nobody internal echo\n",
		    20000 + 149);
		fclose(m);
		parse(big, &c);
		snprintf(line, sizeof(line), "%d", 20149);
		snprintf(want, sizeof(want), "t.conf:301: service: %s/tcp on "
		    "127.0.0.1:%s is already configured at line 150", line,
		    line);
		ok(c.nsvc == 300 && c.err.n == 1 &&
		    strcmp(c.err.v[0], want) == 0,
		    "the 301st line, a twin of the 150th, is refused for it");
		if (c.err.n > 0 && strcmp(c.err.v[0], want) != 0)
			printf("# got: %s\n", c.err.v[0]);
		conf_free(&c);
		free(big);
	}

	parse("echo stream tcp6 nowait root internal\n", &c);
	ok(c.nsvc == 1 && c.svc[0]->v6only, "tcp6 is IPv6-only");
	conf_free(&c);
	parse("echo stream tcp46 nowait root internal\n", &c);
	ok(c.nsvc == 1 && !c.svc[0]->v6only, "tcp46 is dual-stack");
	conf_free(&c);

	parse("echo stream tcp4 nowait root internal\n"
	    "echo stream tcpx nowait root internal\n"
	    "daytime stream tcp4 nowait root internal\n", &c);
	ok(c.nsvc == 2 && c.err.n == 1 && strncmp(c.err.v[0], "t.conf:2:", 9) == 0,
	    "a bad line is skipped, the others stay");
	conf_free(&c);

	n = snprintf(text, sizeof(text), "10020 stream tcp nowait nobody /x");
	for (i = 0; i < SERVICE_ARGV_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " a");
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	parse(text, &c);
	ok(c.nsvc == 2 && c.err.n == 0 && c.svc[0]->argc == SERVICE_ARGV_MAX,
	    "%d arguments are accepted", SERVICE_ARGV_MAX);
	conf_free(&c);
	snprintf(text + n, sizeof(text) - (size_t)n, " a\n");
	parse(text, &c);
	ok(c.nsvc == 0 && c.err.n == 1 &&
	    strstr(c.err.v[0], "t.conf:1: arguments: more than") != NULL,
	    "%d arguments are not", SERVICE_ARGV_MAX + 1);
	conf_free(&c);

	{
		static const char nul[] = "echo stream tcp4 nowait root "
		    "internal\nec\0ho stream tcp4 nowait root internal\n";

		parse_len(nul, sizeof(nul) - 1, &c);
	}
	ok(c.nsvc == 1 && c.err.n == 1 &&
	    strstr(c.err.v[0], "t.conf:2: line: contains a NUL byte") != NULL,
	    "a NUL byte is an error of its line, not a crash");
	conf_free(&c);

	memset(&c, 0, sizeof(c));
	ok(conf_load("/nonexistent/inetd.conf", &c) == -1 && c.err.n == 1 &&
	    strstr(c.err.v[0], "/nonexistent/inetd.conf: cannot open") != NULL,
	    "a missing file is an error that names it");
	conf_free(&c);
}

int
main(void)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_LEN(accepts); i++)
		check_accept(&accepts[i]);
	for (i = 0; i < ARRAY_LEN(rejects); i++)
		check_reject(&rejects[i]);
	check_specials();
	/* The plan last, counted: a check added needs no count kept by hand. */
	printf("1..%d\n", test_num);
	return failures ? 1 : 0;
}
