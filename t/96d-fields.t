# SPDX-License-Identifier: ISC
# The one table of status fields: each says what it is in the metrics,
# and key=value, JSON and the metrics show it (t/unit/test_fields.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_fields") or die "$build/t/test_fields: $! (run make check)";
