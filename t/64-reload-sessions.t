# SPDX-License-Identifier: ISC
# A reload closes no session: the old pool of a changed internal service
# serves the sessions it holds until they end, past the drain time (which
# bounds a stop, not a reload); a storm of reloads keeps a bounded number
# of old pools; an internal line's user field alone re-pools nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use Sinetd;

sub echo_once {
	my ($sock, $text) = @_;
	syswrite($sock, $text) or return '';
	return Sinetd::read_some($sock, length($text), 3) // '';
}

sub reload_done {
	my ($d, $n) = @_;
	my ($rc, $out) = $d->ctl('reload');
	return $rc == 0 && wait_for(10, sub { $d->count_log(qr/reload done/) >= $n });
}

subtest 'a changed echo line: its open session outlives the drain time' => sub {
	my $port = free_port();
	my $d = Sinetd->start(args => ['-o', 'drain=1s', '-o', 'workers=1'],
	    conf => "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	my $s = tcp_connect('127.0.0.1', $port);
	is(echo_once($s, "before\n"), "before\n", 'the session echoes');
	write_file($d->{conf},
	    "127.0.0.1:$port stream tcp nowait.500 nobody internal echo\n");
	ok(reload_done($d, 1), 'a reload changes the line');
	like($d->log_text, qr/reload done kept=0 changed=1/, 'as a change');
	sleep(2.5);	# past the drain time: what a stop would wait
	is(echo_once($s, "after\n"), "after\n",
	    'the old pool still serves the session');
	unlike($d->log_text, qr/drain time over|did not drain in time/,
	    'and nothing was closed or killed');
	is(Sinetd::tcp_talk('127.0.0.1', $port, "new\n", half_close => 1),
	    "new\n", 'new clients go to the new pool');
	close($s);
	is($d->stop >> 8, 0, 'clean stop');
};

subtest "an internal line's user field alone re-pools nothing" => sub {
	plan skip_all => 'needs root: without it no user field applies, nor is said to' unless privileged();
	my $port = free_port();
	my $d = Sinetd->start(
	    conf => "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	like($d->log_text, qr/the user field of an internal service is not applied/,
	    'said once, at load');
	write_file($d->{conf},
	    "127.0.0.1:$port stream tcp nowait daemon internal echo\n");
	ok(reload_done($d, 1), 'a reload changes only the user');
	like($d->log_text, qr/reload done kept=1 changed=0/, 'the service is kept');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a storm of reloads keeps a bounded number of old pools' => sub {
	my $port = free_port();
	my $d = Sinetd->start(args => ['-o', 'drain=1s', '-o', 'workers=1'],
	    conf => "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	my @held;
	for my $round (1 .. 6) {
		my $s = tcp_connect('127.0.0.1', $port);
		is(echo_once($s, "r$round\n"), "r$round\n",
		    "round $round: a session on this generation");
		push @held, $s;
		write_file($d->{conf}, "127.0.0.1:$port stream tcp nowait."
		    . (100 + $round) . " nobody internal echo\n");
		ok(reload_done($d, $round), "round $round: reloaded");
	}
	ok($d->wait_log(qr/more than 4 old pools of one service serve on, draining the oldest/, 5),
	    'past four old pools, the oldest drains as on a stop');
	is(echo_once($held[-1], "last\n"), "last\n",
	    'the newest old pool still serves its session');
	close($_) for @held;
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
