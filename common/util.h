/* SPDX-License-Identifier: ISC */
/* Small helpers every process uses: strict number parsing, clocks, memory. */
#ifndef SINETD_UTIL_H
#define SINETD_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

int	 parse_ulong(const char *, unsigned long, unsigned long, unsigned long *);
int	 parse_size(const char *, unsigned long, unsigned long *);
int	 parse_duration_ms(const char *, uint64_t *);
bool	 str_copy(char *, const char *, size_t);
bool	 str_is_digits(const char *);
uint64_t now_ms(void);

/* FNV-1a, 32 bits: the hash of every table that probes (addr_pack_hash). */
#define FNV1A_INIT	2166136261u
uint32_t fnv1a(uint32_t, const void *, size_t);

void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

int	 fd_set_nonblock(int, bool);
FILE	*file_open_config(const char *, const char **);
/* Told each file file_open_config opens: the master watches them. */
extern void (*file_open_config_seen)(const char *);

/*
 * What a configuration or policy file may be, well past any real one
 * (the largest inetd.conf seen is a few hundred lines): past it the file
 * is refused as a whole, before its size costs the master its memory.
 */
#define CONF_BYTES_MAX	16777216	/* 16 MiB */
#define CONF_LINES_MAX	100000
#define CONF_STR(x)	CONF_STR2(x)
#define CONF_STR2(x)	#x
void	 wait_status_str(int, char *, size_t);

#endif
