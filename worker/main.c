/* SPDX-License-Identifier: ISC */
/*
 * The worker's entry point: sinetd-worker is started by the master alone,
 * as "sinetd-worker build=ID SERVICE", and runs only for a master of its
 * own build.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buildid.h"
#include "msg.h"
#include "version.h"
#include "worker.h"

int
main(int argc, char *argv[])
{
	struct stat st;

	/*
	 * The binary we were executed through: nothing of ours needs it.
	 * Those above it are the pool's sockets (WORKER_LISTEN_FD).
	 */
	(void)close(WORKER_SELF_FD);
	if (argc == 2 && strcmp(argv[1], "-V") == 0) {
		printf("sinetd-worker %s " BUILD_ARG_PREFIX "%s\n",
		    SINETD_VERSION, build_id);
		return 0;
	}
	if (fstat(WORKER_CHAN_FD, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "sinetd-worker: a worker that sinetd starts "
		    "itself; sinetd-worker -V says its build\n");
		return 2;
	}
	/*
	 * Before a byte of the channel: a master of another build may lay
	 * its messages out otherwise. Not respawned, for it would refuse
	 * again; said on stderr, the one line both builds surely share.
	 */
	if (argc != 3 || strncmp(argv[1], BUILD_ARG_PREFIX,
	    strlen(BUILD_ARG_PREFIX)) != 0 ||
	    strcmp(argv[1] + strlen(BUILD_ARG_PREFIX), build_id) != 0) {
		fprintf(stderr, "sinetd-worker: " BUILD_ARG_PREFIX "%s, but the "
		    "master is of another build (%s): not running for it\n",
		    build_id, argc >= 2 ? argv[1] : "none said");
		return EXIT_NORESPAWN;
	}
	return worker_main();
}
