/* SPDX-License-Identifier: ISC */
/* The version sinetd and sinetctl report: the one place it is said. */
#ifndef SINETD_VERSION_H
#define SINETD_VERSION_H

#define SINETD_VERSION	"0.9.0"

#endif
