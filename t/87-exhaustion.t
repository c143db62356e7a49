# SPDX-License-Identifier: ISC
# Exhaustion: a worker at its descriptor limit, and an external service
# whose worker cannot start one more process. Each is logged once, costs
# no spinning, closes what it cannot serve, and the service serves again
# by itself when the resource comes back; the other services never notice.
#
# The limits are lowered on the running worker with prlimit(1), run as the
# worker's own user: the container's root lacks CAP_SYS_RESOURCE, and a
# process may always lower its own user's soft limits.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX qw(sysconf);
use Sinetd;

plan skip_all => 'needs root: the workers must run as users of their own' if !privileged();
plan skip_all => 'needs prlimit and setpriv (util-linux)'
    if system('command -v prlimit setpriv >/dev/null 2>&1') != 0;

my $tick = sysconf(POSIX::_SC_CLK_TCK()) || 100;

# Soft limit only: the same user may raise it back up to the hard one.
# As the worker's own uid and gid: root here may lack CAP_SYS_RESOURCE.
sub set_soft_limit {
	my ($pid, $what, $value) = @_;
	my ($uid) = proc_status($pid, 'Uid') =~ /^(\d+)/;
	my ($gid) = proc_status($pid, 'Gid') =~ /^(\d+)/;
	system('setpriv', "--reuid=$uid", "--regid=$gid",
	    '--clear-groups', 'prlimit', "--pid=$pid", "--$what=$value:") == 0
	    or die "prlimit --$what=$value: failed";
}

# The soft limit now, from /proc/PID/limits, to put it back.
sub soft_limit {
	my ($pid, $name) = @_;
	my ($v) = slurp("/proc/$pid/limits") =~ /^\Q$name\E\s+(\S+)/m;
	return $v eq 'unlimited' ? 'unlimited' : $v;
}

sub cpu_ticks {
	my ($pid) = @_;
	my @f = split ' ', (slurp("/proc/$pid/stat") =~ s/^.*\) //sr);
	return $f[11] + $f[12];		# utime + stime
}

subtest 'a worker at its descriptor limit: no spin, one log line, recovers' => sub {
	my ($e, $dt) = (free_port(), free_port());
	# echo in a pool of its own: sharing one, daytime would be served
	# by the very worker this test starves.
	my $pol = File::Temp::tempdir(CLEANUP => 1);
	write_file("$pol/default.policy", Sinetd::default_policy());
	write_file("$pol/$e.policy", "isolate\n");
	my $d = Sinetd->start(args => ['-o', 'workers=1', '-P', $pol],
	    conf => <<"EOF");
127.0.0.1:$e stream tcp nowait nobody internal echo
127.0.0.1:$dt stream tcp nowait nobody internal daytime
EOF
	my $w = $d->worker_for($e);
	my @before = $d->resources;
	my $open = () = do { opendir my $fd, "/proc/$w/fd"; grep { /^\d/ } readdir $fd };
	my $was = soft_limit($w, 'Max open files');
	set_soft_limit($w, 'nofile', $open + 4);
	my @held = map { tcp_connect('127.0.0.1', $e) } 1 .. 20;
	is(scalar(grep { defined } @held), 20, '20 clients connect (the '
	    . 'backlog takes what the worker cannot)');
	ok($d->wait_log(worker_said(undef, qr/accept: out of resources, pausing /), 5),
	    'the worker says it is out of descriptors') or diag($d->log_text);
	my $t0 = cpu_ticks($w);
	sleep 2;
	my $used = (cpu_ticks($w) - $t0) / $tick;
	cmp_ok($used, '<', 0.2, "and does not spin on EMFILE (${used}s of CPU "
	    . 'in 2 s)');
	is($d->count_log(worker_said(undef, qr/accept: out of resources/)), 1, 'logged once for the burst');
	like(tcp_talk('127.0.0.1', $dt, '', max => 100), qr/\d\d:\d\d:\d\d/,
	    'another service answers meanwhile');
	set_soft_limit($w, 'nofile', $was);
	my $s = $held[-1];
	syswrite($s, "late\n");
	is(read_some($s, 5, 5), "late\n", 'descriptors back: a client that '
	    . 'waited in the backlog is served');
	close $_ for grep { defined } @held;
	is(tcp_talk('127.0.0.1', $e, "new\n", half_close => 1), "new\n",
	    'and new clients are');
	is($d->worker_for($e), $w, 'by the same worker, never restarted');
	ok($d->back_to(@before), 'descriptors and memory back to their level')
	    or diag(join ' ', $d->resources, 'before:', @before);
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'an external service that cannot start a process: logged, closed, goes on' => sub {
	my ($c, $e) = (free_port(), free_port());
	# One worker: the limit is set on the worker that must spawn.
	my $d = Sinetd->start(args => [ '-o', 'workers=1' ], conf => <<"EOF");
127.0.0.1:$c stream tcp nowait nobody /bin/cat cat
127.0.0.1:$e stream tcp nowait nobody internal echo
EOF
	my $w = $d->worker_for($c);
	is(tcp_talk('127.0.0.1', $c, "one\n", half_close => 1), "one\n",
	    'cat serves');
	my @before = $d->resources;
	my $was = soft_limit($w, 'Max processes');
	set_soft_limit($w, 'nproc', 1);
	my $s = tcp_connect('127.0.0.1', $c) or die;
	is(read_some($s, 100, 5), '', 'over the limit: the connection is '
	    . 'closed, nothing sent');
	close $s;
	ok($d->wait_log(qr/service=$c proto=tcp .*(?:Resource temporarily unavailable|EAGAIN)|(?:Resource temporarily unavailable|EAGAIN).*service=$c /, 5),
	    'the log says why, naming the service') or diag($d->log_text);
	is(tcp_talk('127.0.0.1', $e, "echo\n", half_close => 1), "echo\n",
	    'the other service answers');
	set_soft_limit($w, 'nproc', $was);
	is(tcp_talk('127.0.0.1', $c, "two\n", half_close => 1), "two\n",
	    'the limit lifted: cat serves again');
	is($d->worker_for($c), $w, 'the same worker');
	ok($d->back_to(@before), 'descriptors and memory back to their level')
	    or diag(join ' ', $d->resources, 'before:', @before);
	is($d->stop >> 8, 0, 'clean stop');
};
done_testing();
