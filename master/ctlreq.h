/* SPDX-License-Identifier: ISC */
/* The control socket's request line, decoded apart from any state. */
#ifndef SINETD_CTLREQ_H
#define SINETD_CTLREQ_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_VERSION	"sinetctl/1"
#define CTL_REQUEST_MAX	1024

enum ctl_cmd {
	CTL_STATUS,
	CTL_METRICS,
	CTL_DISABLE,
	CTL_ENABLE,
	CTL_RELOAD,
	CTL_STOP,
};

struct ctl_request {
	enum ctl_cmd	 cmd;
	bool		 json;
	bool		 human;		/* status: header and table, not key=value */
	const char	*arg;		/* in the buffer, or NULL */
	const char	*word;		/* the command as sent, for an error */
};

int	ctl_request_decode(char *, size_t, struct ctl_request *,
	    const char **);

#endif
