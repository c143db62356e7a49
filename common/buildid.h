/* SPDX-License-Identifier: ISC */
/*
 * The build both executables carry: the master passes its own to every
 * worker it starts, and a worker of any other build refuses to run, so a
 * master never drives a worker whose messages it does not know.
 */
#ifndef SINETD_BUILDID_H
#define SINETD_BUILDID_H

/* How the master passes it: argv[1] of a worker, "build=" and the id. */
#define BUILD_ARG_PREFIX	"build="

/* A hash of the sources and flags; generated (build/gen/build_id.c). */
extern const char build_id[];

#endif
