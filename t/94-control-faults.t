# SPDX-License-Identifier: ISC
# The control socket and the master's signals under faults: a client that
# half-closes while its reload is pending, a reload in which a port is
# taken, SIGUSR1 and SIGUSR2, and who a stop was asked by.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use IO::Socket::INET;
use IO::Socket::UNIX;
use POSIX ();
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

$SIG{PIPE} = 'IGNORE';
my $echo = free_port();
my $conf = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n";
# The reload below must stay pending while the test stops its new
# workers: each of its services isolated, its pools start one after the
# other, as every service's did before services shared pools (one pool of
# two workers is ready before the test can stop them).
my $pol = File::Temp::tempdir(CLEANUP => 1);
write_file("$pol/default.policy", Sinetd::default_policy());
my $d = Sinetd->start(conf => $conf, args => ['-P', $pol]);

# The master's CPU time so far, in seconds.
sub cpu_of {
	my ($pid) = @_;
	my $stat = slurp("/proc/$pid/stat");
	$stat =~ s/^.*\) //s;
	my @f = split / /, $stat;
	return ($f[11] + $f[12]) / POSIX::sysconf(POSIX::_SC_CLK_TCK());
}

# Sends reload and half-closes, then stops each new worker it sees before
# it is ready, which holds the reload open. Returns the client and the
# stopped pids once the reload is pending; undef if it was done first.
sub pending_reload {
	my %old = map { $_ => 1 } $d->workers;
	my @ports = map { free_port() } 1 .. 40;
	write_file("$pol/$_.policy", "isolate\n") for @ports;
	write_file($d->{conf}, $conf . join('', map {
	    "127.0.0.1:$_ stream tcp nowait nobody internal discard\n" }
	    @ports));
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM,
	    Peer => $d->ctl_socket) or die "connect: $!";
	syswrite($s, "sinetctl/1 text reload\n");
	shutdown($s, 1);
	my %stopped;
	my $end = time + 1.5;
	while (time < $end) {
		for my $w ($d->workers) {
			next if $old{$w} || $stopped{$w};
			$stopped{$w} = 1 if kill('STOP', $w);
		}
		sleep(0.002);
	}
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	return ($s, keys %stopped) if !select(my $r = $rin, undef, undef, 0);
	# Every worker was ready first (a loaded machine): again, afresh.
	Sinetd::read_some($s, 4096, 1);
	write_file($d->{conf}, $conf);
	$d->ctl('reload');
	return;
}

subtest 'a client that half-closes while its reload is pending' => sub {
	my ($s, @stopped);
	for (1 .. 5) {
		($s, @stopped) = pending_reload();
		last if $s;
	}
	ok($s, 'the reload is pending') or return;
	my $c0 = cpu_of($d->pid);
	my $t0 = time;
	sleep(3);
	my $used = cpu_of($d->pid) - $c0;
	my $wall = time - $t0;
	ok($used < 0.3 * $wall, sprintf('the master idles: %.2f s of CPU in '
	    . '%.2f s', $used, $wall));
	kill('CONT', @stopped);
	my $got = Sinetd::read_some($s, 4096, 20) // '';
	like($got, qr/^(?:ok\nreload done: |\z)/,
	    'the client is answered, or closed') or diag($got);
	ok(pid_alive($d->pid), 'the daemon runs on');
	write_file($d->{conf}, $conf);
	my ($rc) = $d->ctl('reload');
	is($rc, 0, 'back to one service');
};

subtest 'a reload in which a port is taken exits 1' => sub {
	my $held = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Listen => 1, ReuseAddr => 0) or die "listen: $!";
	my $port = $held->sockport;
	write_file($d->{conf}, $conf
	    . "127.0.0.1:$port stream tcp nowait nobody internal daytime\n");
	my ($rc, $out, $err) = $d->ctl('reload');
	is($rc, 1, 'exit 1, as sinetctl(8) says');
	like($err, qr/^sinetctl: reload done: kept=1 changed=0 added=0 removed=0 failed=1$/,
	    'the result, on stderr');
	($rc, $out) = $d->ctl('-j', 'reload');
	is($rc, 1, '-j: 1 as well');
	like($out, qr/"ok":false,"error":"reload done: .*failed=1"/, 'as JSON');
	close($held);
	write_file($d->{conf}, $conf);
	($rc, $out) = $d->ctl('reload');
	is($rc, 0, 'a clean reload: 0');
};

subtest 'SIGUSR1 writes the status to the log, SIGUSR2 is ignored' => sub {
	my (undef, $status) = $d->ctl('-k', 'status');
	my ($line) = $status =~ /^(service=$echo .*)$/m;
	ok($line, 'status has the echo line');
	kill('USR1', $d->pid);
	ok($d->wait_log(qr/^${LOG_HEAD}dump signal=USR1 services=1$/m),
	    'USR1: a dump');
	my $log = $d->log_text;
	my ($dumped) = $log =~ /^${LOG_HEAD}dump: (service=$echo .*)$/m;
	my $fields = qr/ (?:workers|accepted|spawned)=\S+/;
	(my $a = $dumped // '') =~ s/$fields//g;
	(my $b = $line // '') =~ s/$fields//g;
	is($a, $b, 'the service line as status has it');
	like($log, qr/^${LOG_HEAD}dump: reload at=\S+ result="[^"]*"$/m,
	    'and the last reload');
	ok(pid_alive($d->pid), 'the master survives USR1');
	kill('USR2', $d->pid);
	ok($d->wait_log(qr/signal ignored signal=USR2/),
	    'USR2: one line, ignored');
	sleep(0.2);
	ok(pid_alive($d->pid), 'the master survives USR2');
	my ($rc) = $d->ctl('-k', 'status');
	is($rc, 0, 'and answers');
	is(tcp_talk('127.0.0.1', $echo, "x\n", half_close => 1), "x\n",
	    'and serves');
};

subtest 'a stop asked over the socket says by=sinetctl' => sub {
	my ($rc, $out) = $d->ctl('stop');
	is($rc, 0, 'stop exit 0');
	ok(wait_for(15, sub { $d->exited }), 'the daemon exits');
	like($d->log_text, qr/^${LOG_HEAD}stopping by=sinetctl drain=/m,
	    'stopping by=sinetctl');
	unlike($d->log_text, qr/stopping signal=/, 'not signal=TERM');
	ok(!-e $d->{pidfile}, 'the pidfile is gone');
};

done_testing();
