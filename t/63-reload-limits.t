# SPDX-License-Identifier: ISC
# A reload keeps counting the children that run: raising max-child must
# not forget the sessions already open (they stay under the new limit).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;

sub cats_of {
	my ($d) = @_;
	# A retired worker's children come to the master, its subreaper.
	my @kids = (children_of($d->pid), map { children_of($_) } $d->workers);
	return scalar(grep { (readlink("/proc/$_/exe") // '') =~ m{/cat$} }
	    @kids);
}

subtest 'nowait/1, one session, reload to nowait/2: two at most' => sub {
	my $port = free_port();
	my $line = "127.0.0.1:$port stream tcp nowait%s nobody /bin/cat cat\n";
	my $d = Sinetd->start(args => ['-l'], conf => sprintf($line, '/1'));
	my $first = tcp_connect('127.0.0.1', $port);
	ok(wait_for(5, sub { cats_of($d) == 1 }), 'one session runs');
	write_file($d->{conf}, sprintf($line, '/2'));
	my ($rc, $out) = $d->ctl('reload');
	is($rc, 0, 'the reload to nowait/2 is done') or diag($out);
	my @more = map { tcp_connect('127.0.0.1', $port) } 1 .. 3;
	ok(wait_for(5, sub { cats_of($d) >= 2 }), 'a second session starts');
	sleep(1);
	is(cats_of($d), 2, 'and no more: the first still counts');
	(undef, $out) = $d->ctl('-k', 'status', $port);
	like($out, qr/\bchildren=2\b/, 'status says children=2');
	close($first);
	# Its worker was retired by the reload: the master, its subreaper,
	# reaps and logs it.
	ok($d->wait_log(qr/child exited .*child=\d+ .*peer=127\.0\.0\.1:\d+/, 5),
	    "the first session's end is logged");
	ok(wait_for(5, sub { cats_of($d) == 2 }),
	    'and a waiting client takes its place');
	close($_) for @more;
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
