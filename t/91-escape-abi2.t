# SPDX-License-Identifier: ISC
# The escape corpus with sinetd capped at Landlock ABI 2, as on an older
# kernel (Debian 12's 6.1 has ABI 2): t/91-escape.t does the work.
use strict;
use warnings;
use FindBin;
$ENV{SINETD_ESCAPE_ABI} = 2;
do "$FindBin::Bin/91-escape.t";
die $@ if $@;
