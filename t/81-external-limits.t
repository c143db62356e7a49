# SPDX-License-Identifier: ISC
# The limits of external services, each tripped and recovered: the spawn
# rate (nowait.N) and its suspension, max-child, max-perip, max-cpm, and a
# wait service whose child exits at once, again and again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

my $report = build_dir() . '/t/report';
my ($rate, $child, $perip, $cpm, $wait, $adopt) = map { free_port() } 1 .. 6;
# $adopt's max-cpm of 1000 is never reached: it makes its line differ from
# $child's, which would otherwise share its pool, and the worker this test
# kills would be $child's too.
my $d = Sinetd->start(args => ['-o', 'suspend=2s'], conf => <<"EOF");
127.0.0.1:$rate stream tcp nowait.3 nobody /bin/cat
127.0.0.1:$child stream tcp nowait/1 nobody /bin/cat
127.0.0.1:$perip stream tcp nowait/0/0/1 nobody /bin/cat
127.0.0.1:$cpm stream tcp nowait/0/2 nobody /bin/echo echo hi
127.0.0.1:$wait dgram udp wait.4 nobody $report report exit=0
127.0.0.1:$adopt stream tcp nowait/1/1000 nobody /bin/cat
EOF

sub cat_ok {
	my ($port, $what) = @_;
	return Sinetd::tcp_talk('127.0.0.1', $port, "$what\n", half_close => 1,
	    timeout => 3) eq "$what\n";
}

# max-cpm needs a minute to forget: trip it first, check it last.
my $cpm_start = time;
is(Sinetd::tcp_talk('127.0.0.1', $cpm, undef), "hi\n", 'max-cpm: first');
is(Sinetd::tcp_talk('127.0.0.1', $cpm, undef), "hi\n", 'max-cpm: second');
is(Sinetd::tcp_talk('127.0.0.1', $cpm, undef, timeout => 2), '',
    'max-cpm: the third in a minute from one source is closed');
ok($d->wait_log(worker_said($cpm, qr/connection refused peer=127\.0\.0\.1:\d+ reason=max-cpm"/)),
    'and logged with the peer and the limit');

subtest 'spawn rate (nowait.3) and suspension' => sub {
	ok(cat_ok($rate, "spawn $_"), "spawn $_ of 3 in a minute") for 1 .. 3;
	my $t0 = time;
	# Refused with a reset: the write itself may already fail.
	is(Sinetd::tcp_talk('127.0.0.1', $rate, "four\n", timeout => 3) // '', '',
	    'the fourth is refused');
	cmp_ok(time - $t0, '<', 1, 'promptly, not left hanging');
	ok($d->wait_log(worker_said($rate, qr/spawn rate exceeded, service suspended limit=3\/60s suspend=2s"/)),
	    'the suspension is logged');
	is(Sinetd::tcp_talk('127.0.0.1', $rate, "five\n", timeout => 3) // '', '',
	    'while suspended, connections are refused');
	ok($d->wait_log(worker_said($rate, qr/connection refused peer=127\.0\.0\.1:\d+ reason=suspended"/)),
	    'and logged');
	sleep(2.2);
	ok(cat_ok($rate, 'back'), 'after the suspension it serves by itself');
	ok(cat_ok($child, 'other'), 'other services never noticed');
};

subtest 'max-child (nowait/1)' => sub {
	my $a = Sinetd::tcp_connect('127.0.0.1', $child);
	syswrite($a, "a\n");
	is(Sinetd::read_some($a, 2, 3), "a\n", 'the first client has the child');
	my $b = Sinetd::tcp_connect('127.0.0.1', $child);
	ok($b, 'a second client connects (the backlog)');
	syswrite($b, "b\n");
	is(Sinetd::read_some($b, 2, 1), '', 'but waits: no second child');
	ok($d->wait_log(worker_said($child, qr/max-child reached, not accepting until a child exits max_child=1 children=1"/)),
	    'logged once');
	close($a);
	is(Sinetd::read_some($b, 2, 3), "b\n",
	    'when the first child exits, the second client is served');
	close($b);
};

subtest 'max-perip (nowait/0/0/1)' => sub {
	my $a = Sinetd::tcp_connect('127.0.0.1', $perip);
	syswrite($a, "a\n");
	is(Sinetd::read_some($a, 2, 3), "a\n", 'one child from 127.0.0.1');
	is(Sinetd::tcp_talk('127.0.0.1', $perip, "b\n", half_close => 1,
	    timeout => 2), '', 'a second at once from it is closed');
	ok($d->wait_log(worker_said($perip, qr/connection refused peer=127\.0\.0\.1:\d+ reason=max-perip"/)),
	    'and logged');
	close($a);
	ok(wait_for(3, sub { cat_ok($perip, 'again') }),
	    'once the first ends, the source is served again (its slot freed)');
};

subtest 'a wait service whose child exits at once' => sub {
	# The helper exits without reading: the datagram stays, the socket
	# stays readable, and only the rate limit stops the respawning.
	udp_ask('127.0.0.1', $wait, 'x', timeout => 0.5);
	ok($d->wait_log(worker_said($wait, qr/spawn rate exceeded, service suspended limit=4\/60s suspend=2s"/), 5),
	    'trips the rate limit instead of spinning');
	my $spawns = () = $d->log_text =~ /service=$wait /g;
	cmp_ok($spawns, '<=', 3, 'without a log line per spawn');
	my ($w) = grep { slurp("/proc/$_/cmdline") =~ /service=$wait / } $d->workers;
	my $cpu = (split ' ', slurp("/proc/$w/stat"))[13];
	sleep(1);
	my $cpu2 = (split ' ', slurp("/proc/$w/stat"))[13];
	cmp_ok($cpu2 - $cpu, '<', 20, 'the worker is idle while suspended');
	sleep(1.5);
	udp_ask('127.0.0.1', $wait, 'y', timeout => 0.5);
	ok($d->wait_log(qr/(?s:spawn rate exceeded.*){2}/, 5),
	    'after the suspension it spawns again (and trips again)');
};

subtest 'a worker dies while its child runs' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $adopt);
	syswrite($s, "one\n");
	is(Sinetd::read_some($s, 4, 3), "one\n", 'a session through /bin/cat');
	# Of the pool's workers, the one whose child it is.
	my $w = wait_for(5, sub { $d->spawner_for($adopt) });
	ok($w, 'the worker that spawned it');
	kill('KILL', $w) if $w;
	ok($d->wait_log(qr/worker died service=$adopt .* pid=$w signal=KILL/),
	    'its worker is killed');
	syswrite($s, "two\n");
	is(Sinetd::read_some($s, 4, 3), "two\n", 'the child server runs on');
	my @cat = grep { slurp("/proc/$_/cmdline") eq "cat\0" } $d->workers;
	ok(@cat == 1, 'adopted by the master');
	close($s);
	ok($d->wait_log(qr/child exited service=$adopt \S+ \S+ child=$cat[0] exit=0 adopted=yes/),
	    'which reaps and logs it');
	ok(wait_for(5, sub { cat_ok($adopt, 'three') }),
	    'and frees its slot: max-child=1 serves again');
};

my $left = 61 - (time - $cpm_start);
sleep($left) if $left > 0;
is(Sinetd::tcp_talk('127.0.0.1', $cpm, undef), "hi\n",
    'max-cpm: a minute later the source is served again');
ok(!$d->exited, 'the daemon is still running');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
