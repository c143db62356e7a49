/* SPDX-License-Identifier: ISC */
/* The master's entry point: the command line (the workers are sinetd-worker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"
#include "util.h"
#include "version.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sinetd [-dEilnVW] [-o option=value] [-p pidfile] "
	    "[-P policydir]\n"
	    "              [-q backlog] [-R rate] [-S ctlsocket] [-u user] "
	    "[-v service]\n"
	    "              [configuration_file]\n"
	    "options: idle-timeout=TIME drain=TIME suspend=TIME "
	    "restart-delay=TIME\n"
	    "         refresh-delay=TIME stopped=TIME workers=N max-conns=N\n"
	    "         landlock-abi=N hosts-allow=PATH hosts-deny=PATH prefork=N\n"
	    "         (TIME: 300, 300s, 1500ms, 5m)\n");
	exit(2);
}

static unsigned
number_arg(const char *flag, const char *s, unsigned long min,
    unsigned long max)
{
	unsigned long v;

	if (parse_ulong(s, min, max, &v) == -1) {
		fprintf(stderr, "sinetd: %s: \"%s\" is not a number from %lu "
		    "to %lu\n", flag, s, min, max);
		exit(2);
	}
	return (unsigned)v;
}

/* -o name=value: the durations and sizes tests and tuning need. */
static void
set_option(const char *arg)
{
	static const struct {
		const char	*name;
		uint64_t	*ms;
	} durations[] = {
		{ "idle-timeout", &opts.idle_timeout_ms },
		{ "drain", &opts.drain_ms },
		{ "suspend", &opts.suspend_ms },
		{ "restart-delay", &opts.restart_delay_ms },
		{ "stopped", &opts.stopped_ms },
		{ "refresh-delay", &opts.refresh_delay_ms },
	};
	const char *eq = strchr(arg, '=');
	size_t i, len;

	if (eq == NULL) {
		fprintf(stderr, "sinetd: -o %s: expected name=value\n", arg);
		exit(2);
	}
	len = (size_t)(eq - arg);
	for (i = 0; i < ARRAY_LEN(durations); i++) {
		if (strlen(durations[i].name) != len ||
		    strncmp(arg, durations[i].name, len) != 0)
			continue;
		if (parse_duration_ms(eq + 1, durations[i].ms) == -1) {
			fprintf(stderr, "sinetd: -o %s: not a duration (300, "
			    "300s, 1500ms, 5m, 1h)\n", arg);
			exit(2);
		}
		return;
	}
	if (len == 7 && strncmp(arg, "workers", len) == 0)
		opts.workers = number_arg("-o workers", eq + 1, 1, 256);
	else if (len == 7 && strncmp(arg, "prefork", len) == 0)
		opts.prefork = number_arg("-o prefork", eq + 1, 0, 256);
	else if (len == 9 && strncmp(arg, "max-conns", len) == 0)
		opts.max_conns = number_arg("-o max-conns", eq + 1, 1, 1000000);
	else if (len == 11 && strncmp(arg, "hosts-allow", len) == 0)
		opts.hosts_allow = eq + 1;
	else if (len == 10 && strncmp(arg, "hosts-deny", len) == 0)
		opts.hosts_deny = eq + 1;
	else if (len == 12 && strncmp(arg, "landlock-abi", len) == 0)
		opts.landlock_abi_max = (int)number_arg("-o landlock-abi",
		    eq + 1, 0, 1000);
	else {
		fprintf(stderr, "sinetd: -o %.*s: unknown option\n", (int)len,
		    arg);
		usage();
	}
}

int
main(int argc, char *argv[])
{
	long ncpu;
	int ch;

	while ((ch = getopt(argc, argv, "dEilno:p:P:q:R:S:u:v:VW")) != -1) {
		switch (ch) {
		case 'V':
			printf("sinetd %s\n", SINETD_VERSION);
			return 0;
		case 'd':
			/* -dd adds the debug lines. */
			opts.verbose = opts.log_stderr;
			opts.foreground = opts.log_stderr = true;
			break;
		case 'E':
			opts.keep_env = true;
			break;
		case 'i':
			opts.foreground = true;
			break;
		case 'l':
			opts.log_connections = true;
			break;
		case 'n':
			opts.check_only = true;
			break;
		case 'o':
			set_option(optarg);
			break;
		case 'p':
			opts.pidfile = optarg;
			break;
		case 'P':
			opts.policy_dir = optarg;
			break;
		case 'q':
			opts.backlog = (int)number_arg("-q", optarg, 1, 65535);
			break;
		case 'R':
			opts.spawn_rate = number_arg("-R", optarg, 1, 1000000);
			break;
		case 'S':
			opts.ctl_socket = optarg;
			break;
		case 'u':
			opts.internal_user = optarg;
			break;
		case 'v':
			opts.show_service = optarg;
			opts.check_only = true;
			break;
		case 'W':
			opts.no_refresh = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1)
		opts.conf_path = argv[0];
	if (opts.workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		opts.workers = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (unsigned)ncpu;
	}
	return master_main();
}
