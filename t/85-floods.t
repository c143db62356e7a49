# SPDX-License-Identifier: ISC
# Floods and slow clients: a connection flood far past every limit of an
# external service, from thousands of source ports; thousands of idle
# connections to echo and discard that the idle timeout reclaims; clients
# that half-close or reset. Each limit trips as documented, the other
# services never notice, and everything recovers by itself.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::IP;
use Socket qw(SOL_SOCKET SO_LINGER SHUT_WR);
use Test::More;
use Time::HiRes qw(sleep time);
use Sinetd;

my $load = build_dir() . '/bench/load';
plan skip_all => 'no build/bench/load' unless -x $load;
my $idle_n = $ENV{SINETD_IDLE_CONNS} // 2000;

subtest 'a connection flood past every limit: trips, then recovers' => sub {
	my ($cat, $echo) = (free_port(), free_port());
	# 60 spawns a minute for the service, 4 at once from one address.
	my $d = Sinetd->start(args => ['-o', 'suspend=2s', '-R', '60'],
	    conf => <<"EOF");
127.0.0.1:$cat stream tcp nowait/0/0/4 nobody /bin/cat cat
127.0.0.1:$echo stream tcp nowait nobody internal echo
EOF
	my $w0 = $d->worker_for($cat);
	my @before = $d->resources;
	# 32 clients at once for 3 s, each connection from a new source port.
	my $out = `$load -m echo -p $cat -c 32 -d 3`;
	my ($ops) = $out =~ /ops=(\d+)/;
	ok(defined $ops, 'the flood ran') or diag($out);
	# 60, then suspended 2 s, then 60 again: in 3 s, two budgets at most.
	cmp_ok($ops, '<=', 120, "at most two budgets of 60 served in 3 s "
	    . "($ops)");
	ok($d->wait_log(worker_said($cat, qr/spawn rate exceeded, service suspended limit=60\/60s suspend=2s"/), 5),
	    'the spawn rate trips and suspends the service')
	    or diag($d->log_text);
	like($d->log_text, worker_said($cat, qr/connection refused peer=127\.0\.0\.1:\d+ reason=max-perip"/),
	    'the per-source limit trips on the way');
	is(tcp_talk('127.0.0.1', $echo, "other\n", half_close => 1), "other\n",
	    'another service answers during the flood');
	my $refused = $d->count_log(worker_said($cat, qr/connection refused /));
	cmp_ok($refused, '<', 50, "refusals are not logged one by one "
	    . "($refused lines)");
	my (undef, $st) = $d->ctl('-k', 'status', $cat);
	like($st, qr/refused_suspended=[1-9]\d* .*refused_perip=[1-9]/,
	    'status counts both') or diag($st);
	# The last trip was at most when the flood ended: 2 s later the
	# suspension is over and the budget starts again.
	sleep 2.5;
	is(tcp_talk('127.0.0.1', $cat, "back\n", half_close => 1), "back\n",
	    'after the suspension the service serves by itself');
	my $w = $d->worker_for($cat);
	is($w, $w0, 'by the worker that took the flood');
	ok($d->back_to(@before), 'descriptors and memory back to their level')
	    or diag(join ' ', $d->resources, 'before:', @before);
	is($d->stop >> 8, 0, 'clean stop');
};

subtest "$idle_n idle connections to echo and discard, reclaimed" => sub {
	plan skip_all => 'counts a worker\'s descriptors in /proc/PID/fd, which only root may read' unless privileged();
	my ($echo, $discard) = (free_port(), free_port());
	# A backlog that holds every connection, so none waits on the
	# kernel's SYN-ACK retries when a loaded machine accepts slowly, and
	# an idle timeout long enough that the first are still held when the
	# last are accepted: the count below must see them all at once.
	my $d = Sinetd->start(args => ['-o', 'idle-timeout=10s', '-q', 4096],
	    conf => <<"EOF");
127.0.0.1:$echo stream tcp nowait nobody internal echo
127.0.0.1:$discard stream tcp nowait nobody internal discard
EOF
	my $fd0 = ($d->resources)[0];
	my @pids;
	# Both at once, then their reports: neither waits for the other.
	for my $port ($echo, $discard) {
		my $pid = open my $fh, '-|', $load, '-m', 'hold', '-p', $port,
		    '-c', $idle_n / 2, '-d', 30;
		push @pids, [ $pid, $fh, $port ];
	}
	for my $p (@pids) {
		my $fh = $p->[1];
		my $line = <$fh> // '';
		like($line, qr/held=\d+ errors=0/, "port $p->[2]: all held")
		    or diag($line);
	}
	ok(wait_for(10, sub { ($d->resources)[0] >= $fd0 + $idle_n }),
	    'the workers hold them')
	    or diag(($d->resources)[0] . " open, $fd0 before");
	ok(wait_for(20, sub { ($d->resources)[0] <= $fd0 }),
	    'the idle timeout closes every one of them')
	    or diag(($d->resources)[0] . " open, $fd0 before");
	kill 'TERM', map { $_->[0] } @pids;
	close $_->[1] for @pids;
	is(tcp_talk('127.0.0.1', $echo, "fresh\n", half_close => 1), "fresh\n",
	    'echo serves a new client');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'half-closed and reset connections' => sub {
	my $echo = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$echo stream tcp nowait nobody internal echo\n");
	my $fd0 = ($d->resources)[0];
	for (1 .. 200) {
		my $s = tcp_connect('127.0.0.1', $echo) or die;
		if ($_ % 2) {
			shutdown($s, SHUT_WR);	# half-open: we never read
		} else {
			syswrite($s, "x" x 1000);
			# Closed with a reset: SO_LINGER of zero.
			setsockopt($s, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
		}
		close $s;
	}
	ok(wait_for(10, sub { ($d->resources)[0] <= $fd0 }),
	    'every one is closed on our side too');
	is(tcp_talk('127.0.0.1', $echo, "ok\n", half_close => 1), "ok\n",
	    'and echo answers');
	unlike($d->log_text, qr/worker died|broke/, 'no worker lost');
	is($d->stop >> 8, 0, 'clean stop');
};
done_testing();
