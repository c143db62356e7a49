# SPDX-License-Identifier: ISC
# The policy language, the syscall groups (one child each) and the
# built-in policies and guard (t/unit/test_policy.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_policy") or die "$build/t/test_policy: $! (run make check)";
