# SPDX-License-Identifier: ISC
# A stop tells the truth about what it closed: each worker closes what it
# still holds at the drain time and says how many, the numbers add up to
# the sessions that were open, and the master steps in only on a worker
# that did not finish by itself (here: none).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Select;
use Sinetd;

my $sessions = 50;
my $port = free_port();
my $d = Sinetd->start(args => ['-o', 'drain=1s', '-o', 'workers=2'],
    conf => "127.0.0.1:$port stream tcp nowait nobody internal echo\n");

my @open;
for my $i (1 .. $sessions) {
	my $s = tcp_connect('127.0.0.1', $port) or last;
	syswrite($s, "hello $i\n");
	my $got = Sinetd::read_some($s, length("hello $i\n"), 5) // '';
	last unless $got eq "hello $i\n";
	push @open, $s;
}
is(scalar(@open), $sessions, "$sessions echo sessions open and answering");

is($d->stop(15) >> 8, 0, 'the stop ends cleanly');
my $log = $d->log_text;
my $closed = 0;
$closed += $1 while $log =~ /drain time over, closing connections open=(\d+)/g;
is($closed, $sessions, 'the drain lines add up to the sessions open')
    or diag($log);
unlike($log, qr/did not drain in time/,
    'no worker is said both to drain and to need killing');

# Every session was closed by its worker: each reads end of file.
my $eof = 0;
for my $s (@open) {
	my $buf;
	$eof++ if IO::Select->new($s)->can_read(5) && !sysread($s, $buf, 64);
}
is($eof, $sessions, 'every client sees its session end');
done_testing();
