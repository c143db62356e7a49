# SPDX-License-Identifier: ISC
# A peer's packed form and hash, one for every per-source table, and the
# refusal log's rate limit on it (t/unit/test_addr.c).
use strict;
use warnings;
use FindBin;
my $build = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";
exec("$build/t/test_addr") or die "$build/t/test_addr: $! (run make check)";
