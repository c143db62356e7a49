# SPDX-License-Identifier: ISC
# The benchmark's smoke test: every workload of bench/run.pl runs for a
# fraction of a second against sinetd and the bare loops, and reports a
# number where it should. It asserts that the benchmark works, never how
# fast anything is: speed is for `make bench`.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

plan skip_all => 'the benchmark binds as root and its sinetd changes user'
    if !privileged();

my $top = "$FindBin::Bin/..";
my $dir = tempdir(CLEANUP => 1);
# Below the other tests' ports (20000 and up), a block of its own.
my $base = 12000 + 100 * int(rand(60));
my $out = `cd $top && BUILD=${\ build_dir()} BENCH_PORT=$base \\
    perl bench/run.pl --smoke --servers 'sinetd,bare epoll,bare fork+exec' \\
    --out $dir/results.md 2>$dir/err`;
is($?, 0, 'bench/run.pl --smoke exits 0') or diag(slurp("$dir/err"));

my %row;
for (split /\n/, $out) {
	my @cell = map { s/^\s+|\s+$//gr } split /\|/;
	next unless @cell > 3 && $cell[1] ne 'workload' && $cell[1] !~ /^-+$/;
	$row{$cell[1]} = [ @cell[2 .. $#cell] ];
}
my @want = ('internal echo TCP, 1 client', 'internal echo TCP, 32 clients',
    'internal daytime TCP, 32 clients', 'internal echo UDP (::1), 8 clients in 2 processes',
    'internal chargen TCP, 1 client', 'external /bin/cat nowait, 1 client',
    'external /bin/cat nowait, 32 clients', 'PSS of every process, idle',
    'RSS of every process, idle', 'PSS of every process, under echo load (32)',
    'RSS of every process, under echo load (32)');
for my $w (@want) {
	ok($row{$w} && $row{$w}[1] =~ /^[\d.]+$/ && $row{$w}[1] > 0,
	    "$w: sinetd reported a number") or diag($out);
}
for my $w ('server CPU per connection, echo at 32',
    'server CPU per connection, daytime at 32',
    'server CPU per connection, /bin/cat at 32',
    'server CPU per request, UDP echo at 8') {
	ok($row{$w} && $row{$w}[1] =~ /^[\d.]+$/, "$w: sinetd's CPU counted")
	    or diag($out);
}
my ($idle) = grep { /^memory per idle echo connection/ } keys %row;
ok($idle && $row{$idle}[1] =~ /^[\d.]+$/, 'idle connections: a cost per '
    . 'connection') or diag($out);
for my $w (grep { /^(start-up|reload)/ } keys %row) {
	ok($row{$w}[1] =~ /^[\d.]+$/ && $row{$w}[1] > 0, "$w: a time");
}
is(scalar(grep { /^(start-up|reload)/ } keys %row), 7,
    'start-up (the last port, every port) and five reloads measured');
for my $w (grep { /^(first connection|PSS of every process, idle, )/ }
    keys %row) {
	ok($row{$w}[1] =~ /^[\d.]+$/ && $row{$w}[1] > 0, "$w: measured");
}
is(scalar(grep { /^(first connection|PSS of every process, idle, )/ }
    keys %row), 3, 'the cold connection and the two idle PSS rows');
ok($row{'internal echo TCP, 32 clients'}[2] =~ /^[\d.]+$/,
    'the bare epoll loop was measured beside sinetd');
ok($row{'external /bin/cat nowait, 32 clients'}[3] =~ /^[\d.]+$/,
    'the bare fork+exec loop was measured beside sinetd');
like(slurp("$dir/results.md"), qr/^## \d{4}-\d\d-\d\d .*cores$/m,
    'the results file has the date and the CPU');
unlike(slurp("$dir/err"), qr/failed|not up/, 'no measurement failed');
done_testing();
