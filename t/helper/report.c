/* SPDX-License-Identifier: ISC */
/*
 * A child server for the tests: reports on its socket what sinetd gave it
 * (ids, groups, session, descriptors, signals, umask, cwd, environment),
 * one "key=value" a line; or, by its first argument, exits with a status,
 * dies by a signal, sleeps, echoes like cat, (for a stream wait service)
 * accepts on its listening socket until it has been idle a second, or
 * tries one thing a sandbox may refuse and says how it went:
 *   open=PATH create=PATH connect=PORT exec=PATH fds syslog uname
 */
#include <sys/prctl.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void
status_line(const char *key, const char *name)
{
	char line[512];
	FILE *fp = fopen("/proc/self/status", "r");
	size_t len = strlen(key);

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;

			v += strspn(v, " \t");
			printf("%s=%s", name, v);
		}
	fclose(fp);
}

static void
report(int argc, char *argv[])
{
	gid_t groups[256];
	struct dirent *de;
	char cwd[4096];
	int n, i, first = 1;
	DIR *d;

	printf("uid=%u\neuid=%u\ngid=%u\negid=%u\n", (unsigned)getuid(),
	    (unsigned)geteuid(), (unsigned)getgid(), (unsigned)getegid());
	printf("no_new_privs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	n = getgroups(256, groups);
	printf("groups=");
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf("\npid=%ld\nsid=%ld\npgid=%ld\nppid=%ld\n", (long)getpid(),
	    (long)getsid(0), (long)getpgid(0), (long)getppid());
	printf("fds=");
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
				continue;
			printf("%s%s", first ? "" : ",", de->d_name);
			first = 0;
		}
		closedir(d);
	}
	printf("\n");
	for (i = 0; i < 3; i++)
		printf("nonblock%d=%d\n", i,
		    (fcntl(i, F_GETFL) & O_NONBLOCK) ? 1 : 0);
	status_line("SigBlk", "sigblk");
	status_line("SigIgn", "sigign");
	status_line("Umask", "umask");
	printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	printf("argc=%d\n", argc);
	for (i = 0; i < argc; i++)
		printf("argv%d=%s\n", i, argv[i]);
	for (i = 0; environ[i] != NULL; i++)
		printf("env:%s\n", environ[i]);
	printf("end\n");
}

static void
result(int ok)
{
	printf("result=%s\n", ok ? "ok" : strerror(errno));
}

/* One thing a policy may forbid; "result=ok" or the errno's text. */
static int
attempt(const char *what)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct utsname un;
	int fd, n = 0;

	if (strncmp(what, "open=", 5) == 0)
		result(open(what + 5, O_RDONLY) != -1);
	else if (strncmp(what, "create=", 7) == 0)
		result(open(what + 7, O_WRONLY | O_CREAT | O_TRUNC, 0644) != -1);
	else if (strncmp(what, "connect=", 8) == 0) {
		sin.sin_port = htons((uint16_t)atoi(what + 8));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		result(fd != -1 && connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)) != -1);
	} else if (strncmp(what, "exec=", 5) == 0) {
		char *args[] = { "report", NULL };

		fflush(stdout);
		execv(what + 5, args);
		result(0);
	} else if (strcmp(what, "fds") == 0) {
		while (open("/dev/null", O_RDONLY) != -1)
			n++;
		printf("opened=%d\n", n);
		result(0);
	} else if (strcmp(what, "syslog") == 0)
		result(klogctl(10, NULL, 0) != -1);	/* the buffer's size */
	else if (strcmp(what, "uname") == 0)
		result(uname(&un) != -1);
	else
		return 0;
	return 1;
}

int
main(int argc, char *argv[])
{
	char buf[4096];
	ssize_t n;

	setvbuf(stdout, NULL, _IOFBF, 0);
	if (argc > 1 && attempt(argv[1]))
		return 0;
	if (argc > 1 && strncmp(argv[1], "exit=", 5) == 0)
		return atoi(argv[1] + 5);
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
	if (argc > 1 && strncmp(argv[1], "sleep=", 6) == 0) {
		sleep((unsigned)atoi(argv[1] + 6));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "accept") == 0) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		int c;

		while (poll(&pfd, 1, 1000) == 1) {
			if ((c = accept(0, NULL, NULL)) == -1)
				return 1;
			n = snprintf(buf, sizeof(buf), "served by %ld\n",
			    (long)getpid());
			if (write(c, buf, (size_t)n) != n)
				return 1;
			close(c);
		}
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "echo") == 0) {
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)n) != n)
				return 1;
		return 0;
	}
	report(argc, argv);
	return 0;
}
