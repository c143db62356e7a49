# SPDX-License-Identifier: ISC
# Faults of external services the limits must survive: an exec that fails
# gives its max-child slot back, and a slot its own worker frees is usable
# at once, not after a poll; reaching max-child again and again is said
# once a minute, not once a connection.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time);
use Sinetd;

# Not under the host's /tmp, which the default policy's private-tmp
# hides from the child: make check's TMPDIR, or the build directory's.
my $tmp = $ENV{TMPDIR} // build_dir() . '/tmp';
mkdir $tmp;
my $dir = tempdir(CLEANUP => 1, DIR => $tmp);
chmod(0755, $dir);
my $prog = "$dir/late-server";
my ($late, $seq, $full) = map { free_port() } 1 .. 3;
my $d = Sinetd->start(conf => <<"EOF2");
127.0.0.1:$late stream tcp nowait/2 nobody $prog late-server
127.0.0.1:$seq stream tcp nowait/1 nobody /bin/cat cat
127.0.0.1:$full stream tcp nowait/1 nobody /bin/cat cat
EOF2

subtest 'a failed exec gives its max-child slot back (nowait/2)' => sub {
	is(tcp_talk('127.0.0.1', $late, undef, timeout => 2) // '', '',
	    "connection $_: the program is missing, the connection closed")
	    for 1 .. 2;
	ok($d->wait_log(worker_said($late, qr/cannot execute server program=\Q$prog\E/)),
	    'the failure is logged');
	my $st = '';
	ok(wait_for(5, sub { (undef, $st) = $d->ctl('-k', 'status', $late);
	    $st =~ /\bchildren=0\b/ && $st =~ /\bexec_failed=2\b/ }),
	    'status: children=0 exec_failed=2') or diag($st);
	write_file($prog, "#!/bin/sh\necho served\n");
	chmod(0755, $prog);
	is(tcp_talk('127.0.0.1', $late, undef, timeout => 3), "served\n",
	    'once the program is there, a third connection is served') or diag($d->log_text);
};

subtest 'max-child=1: a sequential client is served as each child exits' => sub {
	# Not a speed test: 40 connections take well under a second when the
	# worker resumes accepting as it reaps its child, and over 10 s when
	# it waits for a poll instead. The bound is only there to notice that.
	my $t0 = time;
	my $ok = 0;
	for my $i (1 .. 40) {
		$ok++ if (tcp_talk('127.0.0.1', $seq, "$i\n", half_close => 1,
		    timeout => 3) // '') eq "$i\n";
	}
	my $took = time - $t0;
	is($ok, 40, '40 sequential connections through nowait/1 /bin/cat');
	cmp_ok($took, '<', 5, 'none waited for a poll of the slot table')
	    or diag(sprintf('%.2f s', $took));
};

subtest 'max-child reached five times: said once' => sub {
	for my $i (1 .. 5) {
		my $a = tcp_connect('127.0.0.1', $full);
		syswrite($a, "a\n");
		is(read_some($a, 2, 3), "a\n", "stretch $i: the child runs");
		my $b = tcp_connect('127.0.0.1', $full);
		syswrite($b, "b\n");
		is(read_some($b, 2, 0.5), '', 'a second client waits');
		close($a);
		is(read_some($b, 2, 3), "b\n", 'and is served when it exits');
		close($b);
	}
	my $re = worker_said($full, qr/max-child reached/);
	is($d->count_log($re), 1, 'one max-child line for five stretches');
};

ok(!$d->exited, 'the daemon is still running');
is($d->stop >> 8, 0, 'clean stop');

subtest 'out of descriptors before READY: restarted, not failed' => sub {
	my $hooks = build_dir() . '/t/sinetd-hooks';
	plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;
	my $p = free_port();
	local $ENV{SINETD_TEST_EMFILE_AT_START} = 1;
	my $h = Sinetd->start(bin => $hooks, args => ['-o', 'workers=1'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat\n");
	ok($h->wait_log(qr/worker died service=$p .* exit=1 restart_in=/),
	    'the first worker exits with an ordinary failure');
	unlike($h->log_text, qr/service failed, not restarting it service=$p /,
	    'the service is not marked failed');
	ok(wait_for(5, sub { (tcp_talk('127.0.0.1', $p, "x\n",
	    half_close => 1, timeout => 1) // '') eq "x\n" }),
	    'the next worker serves');
	is($h->stop >> 8, 0, 'clean stop');
};
subtest 'a reload whose new pool cannot set up: the old one serves on, socket and all' => sub {
	my $hooks = build_dir() . '/t/sinetd-hooks';
	plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;
	my $p = free_port();
	# The line with -u is one whose workers fail before READY.
	local $ENV{SINETD_TEST_SETUP_FAILS_FOR} = '-u';
	my $h = Sinetd->start(bin => $hooks, args => ['-o', 'workers=1'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat\n");
	my $cat = sub { (tcp_talk('127.0.0.1', $p, "$_[0]\n", half_close => 1,
	    timeout => 2) // '') eq "$_[0]\n" };
	ok($cat->('one'), 'cat serves');
	write_file($h->{conf}, "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat -u\n");
	$h->ctl('reload');
	ok($h->wait_log(qr/reload: the new pool did not start, the old one serves on service=$p /, 10),
	    'the new pool fails, and the reload says the old one serves on')
	    or diag($h->log_text);
	ok($cat->('two'), 'it does');
	# Its workers restarted from the master's copy of the socket: had
	# the failure closed it, the service would die with them.
	my ($old) = $h->workers;
	kill('KILL', $old);
	ok(wait_for(5, sub { my ($n) = $h->workers; $n && $n != $old &&
	    $cat->('three') }), 'its worker killed, a new one serves on the '
	    . 'same socket') or diag($h->log_text);
	write_file($h->{conf}, "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat -v\n");
	$h->ctl('reload');
	ok(wait_for(10, sub { $h->count_log(qr/reload done/) >= 2 }),
	    'a later reload');
	ok($cat->('four'), 'takes the socket over and serves');
	is($h->stop >> 8, 0, 'clean stop');
};
subtest "a worker's fatal line arrives though its channel is full" => sub {
	my $hooks = build_dir() . '/t/sinetd-hooks';
	plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;
	my $p = free_port();
	local $ENV{SINETD_TEST_FATAL_FULL} = 1;
	my $h = Sinetd->start(bin => $hooks, args => ['-o', 'workers=1'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat\n");
	ok($h->wait_log(qr/worker died service=$p .* exit=1 restart_in=/),
	    'the first worker fills its channel and dies');
	my ($n) = $h->log_text =~ /fatal after (\d+) lines/;
	ok($h->wait_log(worker_said($p, qr/test hook: fatal after \d+ lines filled the channel"/), 2),
	    'its last line was waited for, not dropped');
	diag("lines before it: " . ($n // 'none'));
	is($h->stop >> 8, 0, 'clean stop');
};
# The master reads a worker's SPAWNED after the worker died, before its
# SIGCHLD: the child is then the master's (its subreaper), not the dead
# worker's, and is no lie, only an orphan to adopt.
subtest 'a spawn read after its worker died is adopted, not a lie' => sub {
	my $p = free_port();
	my $m = Sinetd->start(args => ['-o', 'workers=1', '-l'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody /bin/cat cat\n");
	my ($w) = $m->workers;
	kill('STOP', $m->pid);
	my $s = Sinetd::tcp_connect('127.0.0.1', $p);
	my $cat = wait_for(10, sub { (grep { cmdline($_) =~ /^cat/ }
	    Sinetd::children_of($w))[0] });
	ok($cat, "the worker spawned its child (pid " . ($cat // '-') . ')');
	kill('KILL', $w);
	ok(wait_for(10, sub { (proc_status($w, 'State') // '') =~ /^Z/ }),
	    'the worker is dead, not yet reaped');
	kill('CONT', $m->pid);
	syswrite($s, "still\n");
	is(Sinetd::read_some($s, 6, 5), "still\n", 'the session goes on');
	close($s);
	ok($m->wait_log(qr/child exited service=$p .* adopted=yes/, 10),
	    'and its end is logged as an adopted child');
	unlike($m->log_text, qr/broke the protocol|not its child/,
	    'no lie is seen in it');
	is($m->stop >> 8, 0, 'clean stop');
};
done_testing();
