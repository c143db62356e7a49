/* SPDX-License-Identifier: ISC */
/*
 * The floor for spawning: one process, accept, fork, exec the server with
 * the connection on 0, 1 and 2, reap. No limits, no logging, no privilege
 * drop: what the kernel's fork and exec cost, to measure sinetd against.
 * Children are reaped with waitpid, as every super-server does, so their
 * CPU time is counted in ours (an ignored SIGCHLD would discard it).
 *
 *   bare_forkexec PORT /bin/cat [args...]
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int s, c, one = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: bare_forkexec port program [args]\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 128) == -1) {
		perror("bare_forkexec");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1)
			continue;
		switch (fork()) {
		case 0:
			dup2(c, 0);
			dup2(c, 1);
			dup2(c, 2);
			close(c);
			close(s);
			execv(argv[2], argv + 2);
			_exit(127);
		default:
			close(c);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
