# SPDX-License-Identifier: ISC
# The hosts_access(5) compiler and matcher (t/unit/test_hosts.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_hosts") or die "$build/t/test_hosts: $! (run make check)";
