# SPDX-License-Identifier: ISC
# What a worker holds for its clients is bounded: the idle timeout reclaims
# silent connections, a chargen client that never reads costs no memory,
# and at the per-worker connection limit clients wait in the backlog.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

sub fd_count {
	my (@pids) = @_;
	my $n = 0;
	for my $pid (@pids) {
		opendir(my $d, "/proc/$pid/fd") or next;
		$n += grep { /^\d+$/ } readdir($d);
	}
	return $n;
}

sub rss_kb {
	my (@pids) = @_;
	my $kb = 0;
	for my $pid (@pids) {
		my $v = proc_status($pid, 'VmRSS') // next;
		$kb += $1 if $v =~ /(\d+)/;
	}
	return $kb;
}

# Worker pids serving the service on this port.
sub workers_of {
	my ($d, $port, $proto) = @_;
	return grep {
		slurp("/proc/$_/cmdline") =~ /proto=$proto addr=127\.0\.0\.1:$port\b/
	} $d->workers;
}

subtest 'idle timeout' => sub {
	plan skip_all => 'counts a worker\'s descriptors in /proc/PID/fd, which only root may read' unless privileged();
	my ($echo, $discard, $cg) = (free_port(), free_port(), free_port());
	my $d = Sinetd->start(args => ['-o', 'idle-timeout=1s'], conf => <<"EOF");
127.0.0.1:$echo stream tcp nowait nobody internal echo
127.0.0.1:$discard stream tcp nowait nobody internal discard
127.0.0.1:$cg stream tcp nowait nobody internal chargen
EOF
	# Counted before any client: the three share a pool, and a session
	# closed by its client leaves the worker a moment after.
	my @w = workers_of($d, $cg, 'tcp');
	my $base = fd_count(@w);
	for my $port ($echo, $discard) {
		my $s = Sinetd::tcp_connect('127.0.0.1', $port);
		my $t0 = time;
		my $got = Sinetd::read_some($s, 10, 6);
		my $dt = time - $t0;
		ok($got eq '' && $dt >= 0.7 && $dt < 5,
		    sprintf("a silent client on port %d is closed after %.1f s",
			$port, $dt));
	}
	my $s = Sinetd::tcp_connect('127.0.0.1', $echo);
	for (1 .. 4) {
		syswrite($s, "tick\n");
		is(Sinetd::read_some($s, 5, 1), "tick\n", "an active client stays ($_)");
		sleep(0.5);
	}
	close($s);

	my @stuck = map {
		my $c = Sinetd::tcp_connect('127.0.0.1', $cg);
		setsockopt($c, SOL_SOCKET, SO_RCVBUF, 4096);
		$c;
	} 1 .. 10;
	ok(wait_for(3, sub { fd_count(@w) == $base + 10 }),
	    'ten chargen clients that never read hold ten descriptors');
	ok(wait_for(8, sub { fd_count(@w) == $base }),
	    'the idle timeout reclaims them all');
	close($_) for @stuck;
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a chargen client that never reads' => sub {
	plan skip_all => 'counts a worker\'s descriptors in /proc/PID/fd, which only root may read' unless privileged();
	my $cg = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$cg stream tcp nowait nobody internal chargen\n");
	my @w = workers_of($d, $cg, 'tcp');
	ok(@w >= 1, 'chargen workers found');
	# Let the workers' pages settle with one ordinary client first.
	my $warm = Sinetd::tcp_talk('127.0.0.1', $cg, undef, max => 500000);
	my $before = rss_kb(@w);
	my @stuck = map { Sinetd::tcp_connect('127.0.0.1', $cg) } 1 .. 20;
	ok(wait_for(3, sub { fd_count(@w) >= 20 }), 'twenty stuck clients');
	sleep(1.5);
	my $after = rss_kb(@w);
	cmp_ok($after - $before, '<', 1024,
	    "the workers' memory stays put ($before kB, then $after kB)");
	my $got = Sinetd::tcp_talk('127.0.0.1', $cg, undef, max => 74 * 95);
	is(length($got), 74 * 95, 'a reading client is still served meanwhile');
	close($_) for @stuck;
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'per-worker connection limit' => sub {
	my $echo = free_port();
	my $d = Sinetd->start(args => ['-o', 'max-conns=2', '-o', 'workers=1'],
	    conf => "127.0.0.1:$echo stream tcp nowait nobody internal echo\n");
	my @c = map { Sinetd::tcp_connect('127.0.0.1', $echo) } 1 .. 3;
	for my $i (0, 1) {
		syswrite($c[$i], "c$i\n");
		is(Sinetd::read_some($c[$i], 3, 2), "c$i\n", "client $i is served");
	}
	syswrite($c[2], "c2\n");
	is(Sinetd::read_some($c[2], 3, 0.7), '',
	    'a third client waits in the backlog');
	close($c[0]);
	is(Sinetd::read_some($c[2], 3, 3), "c2\n",
	    'and is served once a slot frees');
	close($_) for @c[1, 2];
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
