/* SPDX-License-Identifier: ISC */
/* sinetctl import-xinetd: xinetd's configuration as inetd.conf and policies. */
#ifndef SINETCTL_XINETD_H
#define SINETCTL_XINETD_H

/* argv after the command word; returns sinetctl's exit status. */
int	xinetd_import(int, char **);

#endif
