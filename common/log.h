/* SPDX-License-Identifier: ISC */
/*
 * Logging for every process: stderr under -d, syslog otherwise, and in a
 * worker a sink that forwards each line to the master over the channel.
 * A line is a short message followed by key=value fields; log_warn adds
 * error="strerror(errno)".
 */
#ifndef SINETD_LOG_H
#define SINETD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#define LOG_LINE_MAX 1024

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
};

typedef void (*log_sink_fn)(int, const char *);

void	log_init(enum log_target, int, int);
void	log_set_sink(log_sink_fn);
void	log_line(int, const char *);
const char *log_quote(const char *, char *, size_t);
void	log_emerg(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

/* The exit status of fatal(); a worker sets it to "do not respawn". */
extern int log_fatal_status;
extern int log_fatal_transient_status;
extern int log_fatal_pending;

#endif
