# SPDX-License-Identifier: ISC
# What a reload makes of a change to each field of a service, every field
# (t/unit/test_service.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_service") or die "$build/t/test_service: $! (run make check)";
