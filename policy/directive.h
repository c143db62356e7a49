/* SPDX-License-Identifier: ISC */
/*
 * Between the policy-file reader (parse.c: files into lines, includes)
 * and the directives (directive.c: what a line sets in the record).
 */
#ifndef SINETD_DIRECTIVE_H
#define SINETD_DIRECTIVE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* The parse of one file, and of the files that include it (up). */
struct pparser {
	const char	*dir;		/* where include looks */
	const char	*file;		/* as shown in errors */
	int		 line;
	int		 depth;		/* includes above this file */
	bool		 no_include;	/* built-in text stands alone */
	dev_t		 dev;		/* the file, to find a loop */
	ino_t		 ino;
	struct pparser	*up;		/* the file including this one */
	struct policy_trace *trace;	/* for sinetd -n, or NULL */
	bool		 saw_syscalls;
	bool		 saw_deny;
	uint64_t	*included_caps;	/* set by an include: the next */
	uint64_t	*included_root;	/* caps line replaces it */
	const struct policy *ceiling;	/* an internal service's built-in */
	struct policy	*p;
	struct errors	*err;
	size_t		 nerr0;
};

void	 perr(struct pparser *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 directive_apply(struct pparser *, char **, int);
void	 directive_finish(struct pparser *);

#endif
