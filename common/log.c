/* SPDX-License-Identifier: ISC */
/*
 * Logging for every process: stderr under -d, syslog otherwise, and in a
 * worker a sink that forwards each line to the master over the channel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_verbose;
static log_sink_fn log_sink;
int log_fatal_status = 1;
/* fatal() for want of a resource: -1, as any other; else its status. */
int log_fatal_transient_status = -1;
/* Set while fatal()'s line goes out: the last, a sink may wait for it. */
int log_fatal_pending;

/* also_stderr: until a daemon has left its terminal, say it there too. */
void
log_init(enum log_target target, int verbose, int also_stderr)
{
	log_target = target;
	log_verbose = verbose;
	if (target == LOG_TARGET_SYSLOG) {
		closelog();
		openlog("sinetd", LOG_PID | LOG_NDELAY |
		    (also_stderr ? LOG_PERROR : 0), LOG_DAEMON);
	}
}

void
log_set_sink(log_sink_fn sink)
{
	log_sink = sink;
}

/*
 * RFC 3339 in UTC, to the millisecond: UTC needs no zone file, which a
 * locked-down worker could not open, and syslog and the journal stamp
 * their own lines in local time anyway.
 */
static const char *
log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return buf;
}

void
log_line(int prio, const char *line)
{
	char stamp[32];

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	if (log_sink != NULL) {
		log_sink(prio, line);
		return;
	}
	if (log_target == LOG_TARGET_SYSLOG)
		syslog(prio, "%s", line);
	else
		fprintf(stderr, "%s sinetd[%ld]: %s\n", log_stamp(stamp,
		    sizeof(stamp)), (long)getpid(), line);
}

/* A field value with blanks or quotes in it: "a \"b\"", always one token. */
const char *
log_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3)
		return "\"\"";
	buf[o++] = '"';
	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void
vlog(int prio, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, " error=\"%s\"",
		    strerror(errnum));
	log_line(prio, line);
}

#define LOG_FN(name, prio, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	vlog(prio, with_errno ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_emerg, LOG_CRIT, 0)
LOG_FN(log_err, LOG_ERR, 1)
LOG_FN(log_errx, LOG_ERR, 0)
LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

/* What may be there on a later try: no descriptor, memory or process. */
static int
transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM ||
	    err == ENOBUFS || err == EAGAIN;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	log_fatal_pending = 1;
	va_start(ap, fmt);
	vlog(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(log_fatal_transient_status != -1 && transient(saved) ?
	    log_fatal_transient_status : log_fatal_status);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	log_fatal_pending = 1;
	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(log_fatal_status);
}
