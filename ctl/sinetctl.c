/* SPDX-License-Identifier: ISC */
/*
 * sinetctl: asks a running sinetd over its control socket and prints the
 * answer. The protocol is one request line, "sinetctl/1 text|json|human
 * COMMAND [ARGUMENT]", and one reply, "ok" or "error REASON" then a body, after
 * which the daemon closes (master/control.c is the other end).
 *
 * Exit status: 0 ok, 1 the daemon said no, 2 usage, 3 cannot reach it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xinetd.h"
#include "version.h"

#define CTL_VERSION		"sinetctl/1"
#define CTL_REQUEST_MAX		1024
#define DEFAULT_SOCKET		"/run/sinetd/sinetd.sock"
#define REPLY_MAX		(64UL << 20)	/* far above any real reply */
#define TIMEOUT_MS		10000
#define RELOAD_TIMEOUT_MS	130000	/* the daemon gives a reload 120 s */

enum { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE };

static const struct command {
	const char	*name;
	int		 nargs_min, nargs_max;
} commands[] = {
	{ "status",	0, 1 },
	{ "metrics",	0, 0 },
	{ "reload",	0, 0 },
	{ "stop",	0, 0 },
	{ "disable",	1, 1 },
	{ "enable",	1, 1 },
};

static bool json;
static bool keyvalue;	/* -k: the key=value lines scripts parse */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: sinetctl [-hjkV] [-S socket] command [SERVICE]\n"
	    "  -j  JSON    -k  status as key=value lines    -h  this help\n"
	    "commands:\n"
	    "  status [SERVICE]   the daemon and a table of its services, or\n"
	    "                     every field and session of SERVICE\n"
	    "  metrics            counters in the Prometheus text format\n"
	    "  reload             reread the configuration, wait for the result\n"
	    "  stop               stop the daemon (child servers keep running)\n"
	    "  disable SERVICE    stop accepting, until enable or a restart\n"
	    "  enable SERVICE     accept again\n"
	    "  import-xinetd [-o DIR] [FILE|DIR]\n"
	    "                     xinetd's configuration as inetd.conf lines\n"
	    "                     and policies (reads files; asks no daemon)\n");
}

/* A JSON string for the error object; the reason is the daemon's text. */
static void
print_json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static int __attribute__((format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (json) {
		printf("{\"ok\":false,\"error\":");
		print_json_string(text);
		printf("}\n");
	}
	fprintf(stderr, "sinetctl: %s\n", text);
	return status;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (!str_copy(sun.sun_path, path, sizeof(sun.sun_path))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Reads until the daemon closes, within the deadline. Returns the reply,
 * NUL-terminated, or NULL with *why set.
 */
static char *
read_reply(int fd, int timeout_ms, const char **why)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (buf == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		int r;

		if (now >= deadline) {
			*why = "no answer in time";
			break;
		}
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*why = strerror(errno);
			break;
		}
		if (r == 0)
			continue;
		if (len + 1 == cap) {
			char *p;

			if (cap >= REPLY_MAX) {
				*why = "reply too long";
				break;
			}
			if ((p = realloc(buf, cap * 2)) == NULL) {
				*why = "out of memory";
				break;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		/* Refused at once, our request unread: the answer came first. */
		if (n == -1 && errno == ECONNRESET && len > 0)
			n = 0;
		if (n == -1) {
			*why = strerror(errno);
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_SOCKET, *why = NULL;
	const struct command *cmd = NULL;
	char request[CTL_REQUEST_MAX], *reply, *body;
	int ch, fd, nargs, n;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	/* import-xinetd asks no daemon, and has options of its own. */
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-S") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		if (strcmp(argv[i], "import-xinetd") == 0)
			return xinetd_import(argc - (int)i, argv + i);
		break;
	}
	while ((ch = getopt(argc, argv, "hjkS:V")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("sinetctl %s\n", SINETD_VERSION);
			return EXIT_OK;
		case 'j':
			json = true;
			break;
		case 'k':
			keyvalue = true;
			break;
		case 'S':
			path = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			cmd = &commands[i];
	nargs = argc - 1;
	if (cmd == NULL) {
		fprintf(stderr, "sinetctl: unknown command: %s\n", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (nargs < cmd->nargs_min || nargs > cmd->nargs_max) {
		fprintf(stderr, "sinetctl: %s takes %s\n", cmd->name,
		    cmd->nargs_max == 0 ? "no argument" : cmd->nargs_min == 0 ?
		    "at most one SERVICE" : "one SERVICE");
		return EXIT_USAGE;
	}
	if (nargs == 1) {
		const char *a = argv[1];

		if (*a == '\0' || strpbrk(a, " \t") != NULL) {
			fprintf(stderr, "sinetctl: SERVICE must be one word: "
			    "\"%s\"\n", a);
			return EXIT_USAGE;
		}
		for (; *a != '\0'; a++)
			if ((unsigned char)*a < 0x20 || *a == 0x7f) {
				fprintf(stderr, "sinetctl: SERVICE has a "
				    "control character\n");
				return EXIT_USAGE;
			}
	}
	n = snprintf(request, sizeof(request), "%s %s %s%s%s\n", CTL_VERSION,
	    json ? "json" : keyvalue ? "text" : "human", cmd->name, nargs ? " " : "",
	    nargs ? argv[1] : "");
	if (n < 0 || (size_t)n >= sizeof(request)) {
		fprintf(stderr, "sinetctl: SERVICE too long\n");
		return EXIT_USAGE;
	}

	if ((fd = connect_to(path)) == -1)
		return fail(EXIT_UNREACHABLE, "cannot reach sinetd at %s: %s",
		    path, strerror(errno));
	for (i = 0; i < (size_t)n; ) {
		ssize_t w = write(fd, request + i, (size_t)n - i);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			/* A refused client is told why before the close. */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			close(fd);
			return fail(EXIT_UNREACHABLE, "cannot send to sinetd "
			    "at %s: %s", path, strerror(errno));
		}
		i += (size_t)w;
	}
	reply = read_reply(fd, strcmp(cmd->name, "reload") == 0 ?
	    RELOAD_TIMEOUT_MS : TIMEOUT_MS, &why);
	close(fd);
	if (reply == NULL)
		return fail(EXIT_UNREACHABLE, "sinetd at %s: %s", path, why);

	if ((body = strchr(reply, '\n')) == NULL) {
		int status = fail(EXIT_UNREACHABLE, "sinetd at %s: %s", path,
		    *reply == '\0' ? "closed without an answer" :
		    "unterminated answer");

		free(reply);
		return status;
	}
	*body++ = '\0';
	if (strcmp(reply, "ok") == 0) {
		fputs(body, stdout);
		free(reply);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "sinetctl: cannot write the answer: "
			    "%s\n", strerror(errno));
			return EXIT_REFUSED;
		}
		return EXIT_OK;
	}
	if (strncmp(reply, "error ", 6) == 0) {
		int status = fail(EXIT_REFUSED, "%s", reply + 6);

		free(reply);
		return status;
	}
	n = fail(EXIT_UNREACHABLE, "sinetd at %s: answer not understood",
	    path);
	free(reply);
	return n;
}
