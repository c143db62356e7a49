/* The version sinetd and sinetctl report: a release build sets it. */
#ifndef SINETD_VERSION_H
#define SINETD_VERSION_H

/*
 * `make VERSION=1.2` passes -DSINETD_VERSION="1.2"; a build from a working
 * tree without one says so rather than guess from git.
 */
#ifndef SINETD_VERSION
#define SINETD_VERSION	"unreleased"
#endif

#endif
