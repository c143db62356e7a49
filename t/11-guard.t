# SPDX-License-Identifier: ISC
# The UDP loop and reflection guard, every source class (t/unit/test_guard.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_guard") or die "$build/t/test_guard: $! (run make check)";
