# SPDX-License-Identifier: ISC
# The spawn-rate window and max-cpm a service's workers share, under
# clocks read a moment apart (t/unit/test_limits.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_limits") or die "$build/t/test_limits: $! (run make check)";
