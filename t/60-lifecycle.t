# SPDX-License-Identifier: ISC
# Start, ready, supervision, a port in use, a second instance, stop, drain,
# daemon mode, an ordinary user, and the master's death.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Socket::IP;
use Errno qw(ECONNREFUSED);
use POSIX qw(WNOHANG);
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

my $ncpu = 0 + `nproc`;
my $nobody = getpwnam('nobody');

subtest 'processes: a root master, workers as the -u user' => sub {
	my ($e, $u, $dt) = (free_port(), free_port(), free_port());
	my $d = Sinetd->start(args => ['-u', 'nobody'], conf => <<"EOF");
127.0.0.1,[::1]:$e stream tcp nowait root internal echo
127.0.0.1:$u dgram udp wait root internal daytime
127.0.0.1:$dt stream tcp nowait root internal daytime
EOF
	is($d->count_log(qr/ready: /), 1, 'exactly one ready line');
	like($d->log_text, qr/ready: 4 services\n/, 'counting every socket');
	my @w = $d->workers;
	my @tcp4 = grep { cmdline($_) =~ /proto=tcp addr=127\.0\.0\.1:$e / } @w;
	my @tcp6 = grep { cmdline($_) =~ /proto=tcp addr=\[::1\]:$e / } @w;
	my @udp = grep { cmdline($_) =~ /proto=udp addr=127\.0\.0\.1:$u / } @w;
	# The count changed with pools: these four sockets share one
	# sandbox (the -u user, the internal policy), so one pool of a
	# worker per CPU serves them all, where each had a pool of its own
	# (2 x CPUs + 2 processes).
	is(scalar(@tcp4), $ncpu, "one worker per CPU for a stream service ($ncpu)");
	is(scalar(@tcp6), $ncpu, 'the same workers for each of its addresses');
	is(scalar(@udp), $ncpu, 'and for a datagram service');
	my @dt = grep { cmdline($_) =~ /proto=tcp addr=127\.0\.0\.1:$dt / } @w;
	is(scalar(@dt), $ncpu, 'and for daytime over TCP');
	is(scalar(@w), $ncpu, 'and no other process');
	SKIP: {
		skip 'the privilege drop needs root', 2 if !privileged();
		is((proc_uid($d->pid))[1], 0, 'the master is root');
		my @bad = grep {
			my @u = proc_uid($_);
			grep { $_ != $nobody } @u;
		} @w;
		is(scalar(@bad), 0, 'every worker runs as nobody (real, '
		    . 'effective, saved, fs), though the line says root');
	}
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker that dies is restarted' => sub {
	my $e = free_port();
	my $d = Sinetd->start(args => ['-o', 'workers=1'],
	    conf => "127.0.0.1:$e stream tcp nowait nobody internal echo\n");
	my ($w) = $d->workers;
	kill('KILL', $w);
	ok($d->wait_log(qr/worker died service=$e proto=tcp .* pid=$w signal=KILL/),
	    'its death is logged with the signal');
	my $new = wait_for(5, sub { my ($n) = $d->workers; $n && $n != $w ? $n : 0 });
	ok($new, 'a new worker starts');
	is(Sinetd::tcp_talk('127.0.0.1', $e, "again\n", half_close => 1),
	    "again\n", 'and serves');
	is($d->stop >> 8, 0, 'clean stop');
};

# A daemon whose one echo worker restarts after 300 ms at the second
# quick death; kill_worker kills its worker once and returns the
# restart_in= it logged, with its unit (a bare 0 would read as "not yet").
sub backoff_daemon {
	my $e = free_port();
	return (Sinetd->start(args => ['-o', 'workers=1', '-o',
	    'restart-delay=300ms'],
	    conf => "127.0.0.1:$e stream tcp nowait nobody internal echo\n"), $e);
}
sub kill_worker {
	my ($d) = @_;
	my ($w) = wait_for(5, sub { my @w = $d->workers; @w ? $w[0] : 0 });
	kill('KILL', $w);
	return $d->wait_log(qr/worker died .* pid=$w signal=KILL restart_in=(\d+ms)/)
	    // -1;
}

subtest 'back-off: a worker that keeps dying waits longer each time' => sub {
	my ($d, $e) = backoff_daemon();
	my @delays = map { kill_worker($d) } 1 .. 3;
	# Meanwhile the socket stays open: a client queues.
	my $s = Sinetd::tcp_connect('127.0.0.1', $e);
	ok($s, 'a client connects while no worker runs');
	syswrite($s, "queued\n") if $s;
	is($s ? Sinetd::read_some($s, 7, 5) : '', "queued\n",
	    'and is served by the restarted worker');
	is("@delays", '0ms 300ms 600ms', "at once, then the delay doubles: @delays");
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'back-off after a healthy life: the second quick death waits' => sub {
	my ($d) = backoff_daemon();
	# A worker is healthy once it has lived 10 s (sinetd(8)).
	sleep(10.5);
	my @delays = map { kill_worker($d) } 1 .. 3;
	is("@delays", '0ms 300ms 600ms',
	    "the death after a long life at once, the next quick one waits: @delays");
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker that cannot set up is not restarted' => sub {
	plan skip_all => 'ASan needs more address space than this test allows'
	    if slurp(sinetd_bin()) =~ /__asan_init/;
	my ($e, $t) = (free_port(), free_port());
	# echo in a pool of its own (isolate): sharing one, time would fail
	# with it, as a pool fails whole.
	my $pol = tempdir(CLEANUP => 1);
	Sinetd::write_file("$pol/default.policy", Sinetd::default_policy());
	Sinetd::write_file("$pol/$e.policy", "isolate\n");
	# The echo worker's buffers (20000 connections x 4 kB) do not fit.
	my $d = Sinetd->start(
	    prefix => ['sh', '-c', 'ulimit -n 20000 && ulimit -v 60000 && exec "$@"', 'sh'],
	    args => ['-o', 'max-conns=20000', '-o', 'workers=1', '-P', $pol],
	    conf => <<"EOF");
127.0.0.1:$e stream tcp nowait nobody internal echo
127.0.0.1:$t stream tcp nowait nobody internal time
EOF
	like($d->log_text, qr/ready: 1 services, 1 failed\n/,
	    'the ready line counts the failed service');
	like($d->log_text,
	    qr/service failed, not restarting it service=$e proto=tcp \S+ reason="mmap echo buffers error=\\"Cannot allocate memory/,
	    'the service is marked failed with the reason');
	sleep(1);
	my @echo = grep { cmdline($_) =~ /service=$e / } $d->workers;
	is(scalar(@echo), 0, 'and its worker is not restarted');
	my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $e,
	    Type => SOCK_STREAM, Timeout => 2);
	my $err = $! + 0;
	ok(!$s && $err == ECONNREFUSED,
	    'its socket is closed: a client is refused, not left waiting')
	    or diag("connect: $!");
	ok(length(Sinetd::tcp_talk('127.0.0.1', $t, undef) // '') == 4,
	    'the other service serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a port in use fails that service only' => sub {
	my ($busy, $ok) = (free_port(), free_port());
	my $holder = IO::Socket::IP->new(LocalHost => '127.0.0.1',
	    LocalPort => $busy, Listen => 1, ReuseAddr => 1,
	    Type => SOCK_STREAM) or die;
	my $d = Sinetd->start(conf => <<"EOF");
127.0.0.1:$busy stream tcp nowait nobody internal echo
127.0.0.1:$ok stream tcp nowait nobody internal echo
EOF
	like($d->log_text,
	    qr/cannot listen service=$busy proto=tcp addr=127\.0\.0\.1:$busy step=bind retry_in=1000ms error="Address already in use"/,
	    'the bind failure names the service and the errno');
	like($d->log_text, qr/ready: 1 services, 1 failed\n/,
	    'the ready line counts it');
	is(Sinetd::tcp_talk('127.0.0.1', $ok, "up\n", half_close => 1), "up\n",
	    'the other service serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a second instance on the same pidfile is refused' => sub {
	my $e = free_port();
	my $conf = "127.0.0.1:$e stream tcp nowait nobody internal echo\n";
	my $d = Sinetd->start(conf => $conf);
	my $second = Sinetd->start(conf => $conf, pidfile => $d->{pidfile},
	    wait => 0);
	ok(wait_for(5, sub { $second->exited }), 'the second one exits');
	is($second->{status} >> 8, 1, 'with status 1');
	like($second->log_text,
	    qr/another sinetd is running: pidfile \S+ is locked \(pid ${\ $d->pid}\)/,
	    'saying who holds the pidfile');
	ok(!$d->exited, 'the first one runs on');
	is(Sinetd::tcp_talk('127.0.0.1', $e, "1\n", half_close => 1), "1\n",
	    'and serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'stop: sessions drain, then nothing is left' => sub {
	my ($e, $u) = (free_port(), free_port());
	my $d = Sinetd->start(args => ['-o', 'drain=5s'], conf => <<"EOF");
127.0.0.1:$e stream tcp nowait nobody internal echo
127.0.0.1:$u dgram udp wait nobody internal echo
EOF
	my @w = $d->workers;
	my $pidfile = $d->{pidfile};
	ok(-s $pidfile, 'the pidfile is written');
	is(0 + slurp($pidfile), $d->pid, 'with the master pid');
	my $s = Sinetd::tcp_connect('127.0.0.1', $e);
	syswrite($s, "before\n");
	is(Sinetd::read_some($s, 7, 2), "before\n", 'a session is open');
	kill('TERM', $d->pid);
	ok($d->wait_log(qr/stopping signal=TERM/), 'SIGTERM starts the stop');
	ok(wait_for(3, sub { !Sinetd::tcp_connect('127.0.0.1', $e, timeout => 1) }),
	    'new connections are refused');
	syswrite($s, "during\n");
	is(Sinetd::read_some($s, 7, 2), "during\n",
	    'the open session still echoes');
	ok(!$d->exited, 'the daemon waits for it');
	close($s);
	ok(wait_for(5, sub { $d->exited }), 'and exits once it ends');
	is($d->{status} >> 8, 0, 'with status 0');
	is(scalar(grep { pid_alive($_) } @w), 0, 'no worker is left');
	ok(port_free($e) && port_free($u), 'its ports are free');
	ok(!-e $pidfile, 'the pidfile is removed');
	like($d->log_text, qr/stopped\n\z/, 'the last line says stopped');
};

subtest 'stop: the drain time bounds a session that stays' => sub {
	my $e = free_port();
	my $d = Sinetd->start(args => ['-o', 'drain=1s'],
	    conf => "127.0.0.1:$e stream tcp nowait nobody internal echo\n");
	my $s = Sinetd::tcp_connect('127.0.0.1', $e);
	syswrite($s, "x\n");
	Sinetd::read_some($s, 2, 2);
	my $t0 = time;
	kill('TERM', $d->pid);
	ok(wait_for(8, sub { $d->exited }), 'the daemon exits anyway');
	cmp_ok(time - $t0, '>=', 0.8, 'after the drain time');
	is(Sinetd::read_some($s, 10, 2), '', 'the session was closed');
	is($d->{status} >> 8, 0, 'with status 0');
};

subtest 'daemon mode' => sub {
	my $e = free_port();
	my $dir = tempdir(CLEANUP => 1);
	write_file("$dir/inetd.conf",
	    "127.0.0.1:$e stream tcp nowait nobody internal echo\n");
	my $rc = system(sinetd_bin(), '-p', "$dir/pid", '-S', "$dir/ctl",
	    "$dir/inetd.conf");
	is($rc >> 8, 0, 'sinetd returns 0 once the daemon is ready');
	my $pid = 0 + slurp("$dir/pid");
	ok($pid > 1 && pid_alive($pid), 'the pidfile names a running daemon');
	is(Sinetd::tcp_talk('127.0.0.1', $e, "bg\n", half_close => 1), "bg\n",
	    'which serves');
	my @w = $pid > 1 ? children_of($pid) : ();
	# Never kill(0): that is this test's own process group.
	kill('TERM', $pid) if $pid > 1;
	ok(wait_for(10, sub { !pid_alive($pid) }), 'SIGTERM stops it');
	ok(wait_for(5, sub { !grep({ pid_alive($_) } @w) }), 'with its workers');

	write_file("$dir/bad.conf", "127.0.0.1:$e stream tcp nowait nobody internal echo\n");
	$rc = system("'" . sinetd_bin() . "' -p $dir/nodir/pid -S $dir/ctl $dir/bad.conf "
	    . "2>$dir/err");
	isnt($rc >> 8, 0, 'a daemon that cannot start makes sinetd fail');
	like(slurp("$dir/err"), qr/cannot open pidfile path=\S+nodir\/pid/,
	    'and says why on its terminal');
};

subtest 'as an ordinary user' => sub {
	plan skip_all => 'needs root to become an ordinary user' if !privileged();
	my $e = free_port();
	my $dir = tempdir(CLEANUP => 1);
	chmod(0777, $dir);
	my $gid = (getpwnam('nobody'))[3];
	my $d = Sinetd->start(dir => $dir, args => ['-u', 'root'],
	    conf => "127.0.0.1:$e stream tcp nowait root internal echo\n",
	    before_exec => sub {
		POSIX::setgid($gid);
		$) = "$gid $gid";
		POSIX::setuid($nobody);
	    });
	like($d->log_text, qr/running as uid $nobody, not root/,
	    'says once that it is not root');
	is($d->count_log(qr/not root/), 1, 'once');
	is(Sinetd::tcp_talk('127.0.0.1', $e, "me\n", half_close => 1), "me\n",
	    'and serves');
	my @w = $d->workers;
	ok(@w && !grep({ (proc_uid($_))[1] != $nobody } @w),
	    'its workers run as that user');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'the master dies: its workers follow' => sub {
	my $e = free_port();
	my $d = Sinetd->start(
	    conf => "127.0.0.1:$e stream tcp nowait nobody internal echo\n");
	my @w = $d->workers;
	kill('KILL', $d->pid);
	ok(wait_for(5, sub { !grep({ pid_alive($_) } @w) }),
	    'every worker exits');
	ok(wait_for(3, sub { port_free($e) }), 'the port is free');
};

done_testing();
