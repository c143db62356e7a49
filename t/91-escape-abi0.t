# SPDX-License-Identifier: ISC
# The escape corpus with sinetd capped at Landlock ABI 0, as on an older
# kernel (no Landlock at all): t/91-escape.t does the work.
use strict;
use warnings;
use FindBin;
$ENV{SINETD_ESCAPE_ABI} = 0;
do "$FindBin::Bin/91-escape.t";
die $@ if $@;
