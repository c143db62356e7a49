# SPDX-License-Identifier: ISC
# Every fuzz target over its corpus (t/fuzz/corpus/NAME), once, without
# libFuzzer: the inputs that found a bug stay in the corpus, so a bug that
# comes back fails here, in every make check (and under SANITIZE=1, with
# the sanitizers watching). make fuzz is what looks for new inputs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;

my $top = "$FindBin::Bin/..";
for my $t (qw(conf policy chan ctl udp hosts)) {
	my $bin = build_dir() . "/fuzz/replay-$t";
	my $dir = "$top/t/fuzz/corpus/$t";
	opendir my $d, $dir or die "$dir: $!";
	my $n = grep { -f "$dir/$_" } readdir $d;
	ok($n > 0, "$t: a seed corpus ($n inputs)");
	my $out = `$bin $dir 2>&1`;
	is($?, 0, "$t: every input replayed without a crash")
	    or diag($out);
	like($out, qr/^replayed $n inputs$/m, "$t: all $n of them");
}
done_testing();
