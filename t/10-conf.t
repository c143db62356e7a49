# SPDX-License-Identifier: ISC
# The inetd.conf parser, table-driven (t/unit/test_conf.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_conf") or die "$build/t/test_conf: $! (run make check)";
