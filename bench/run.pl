#!/usr/bin/perl
# SPDX-License-Identifier: ISC
# The benchmark: sinetd against the reference super-servers, in one run,
# interleaved (A B C, A B C, ...) so that the machine's drift cancels, each
# cell the median of the repetitions, and the ratios sinetd/reference.
#
#   bench/run.pl [--smoke] [--scale] [--rows ID,ID...] [--out FILE]
#       [--servers NAME,NAME...]
#
# The rows: throughput, latency and CPU of the internal services (echo,
# daytime, chargen over TCP, echo over UDP) and of external ones (/bin/cat,
# in.fingerd); memory (PSS and RSS of the whole process tree, idle and
# under load, and per idle connection). Then, each server started afresh:
# start-up of BENCH_SERVICES internal TCP services, from exec until the
# last one answers and until every one answers (bench/scan.c connects to
# each and checks its answer); reloads of those services, each timed from
# SIGHUP until what it changed answers (one service added, one moved to a
# new address, one changed in place, all changed in place; sinetd also an
# unchanged reload); the first connection just after start (cold: the
# latency of the first echo exchange a server answers, sinetd once ready);
# idle PSS of the whole process tree for 10 internal services (5 builtins
# x TCP+UDP) and for the 22 services of etc/sinetd.conf, written in each
# server's dialect. --scale runs only those last rows; --rows only the
# workloads named by id (udp, cat32, ...: the ids in @workloads), each
# with the CPU row taken from it, and none of the start-up rows, for a
# quick look at one change, written to bench/results.md only if --out
# says so (make bench, the whole table, is the record).
#
# Environment: BENCH_SECONDS (per measurement, default 3), BENCH_REPS (3),
# BENCH_IDLE (idle connections held, 10000), BENCH_SERVICES (services for
# start-up and reload, 1000), BENCH_PORT (first port, 12000: below the tests' ports
# and the ephemeral range), BUILD (build).
# --smoke runs every workload for a fraction of a second with small counts,
# against whatever references are there, and writes nothing to bench/
# unless --out says so: it proves the benchmark runs, never how fast.
#
# Every server listens on loopback only, on its own block of ports, and is
# killed by pid at the end. The references come from Debian's packages,
# unpacked under build/refs (the GNUmakefile's bench-refs target);
# openbsd-inetd finds its internal services by /etc/services name, so it
# runs in a private mount namespace with a
# private services file bound over /etc/services (and a private /run, for
# its pidfile), never touching the machine's.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Getopt::Long;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::IP;
use POSIX qw(:sys_wait_h setsid strftime);
use Time::HiRes qw(time sleep);

my ($smoke, $out, $only, $scale_only, $rows) = (0, undef, undef, 0, undef);
GetOptions('smoke' => \$smoke, 'out=s' => \$out, 'servers=s' => \$only,
    'scale' => \$scale_only, 'rows=s' => \$rows)
    or die "usage: bench/run.pl [--smoke] [--scale] [--rows A,B] " .
    "[--out FILE] [--servers A,B]\n";
my $top = abs_path((__FILE__ =~ s{[^/]*$}{}r || './') . '..');
my $build = abs_path($ENV{BUILD} // "$top/build");
my $refs = "$build/refs/root";
my %cfg = (
	seconds  => $ENV{BENCH_SECONDS} // ($smoke ? 0.2 : 3),
	reps     => $ENV{BENCH_REPS} // ($smoke ? 1 : 3),
	idle     => $ENV{BENCH_IDLE} // ($smoke ? 100 : 10000),
	services => $ENV{BENCH_SERVICES} // ($smoke ? 20 : 1000),
	port     => $ENV{BENCH_PORT} // 12000,
);
# A partial run (--rows) is a look, not the record.
$out //= $smoke || defined $rows ? undef : "$top/bench/results.md";
die "bench: run as root: the references bind as root and change user\n"
    if $> != 0;
my $tmp = tempdir('sinetd-bench-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{BENCH_KEEP});
chmod 0755, $tmp;	# the servers' users read their configurations
my $load = "$build/bench/load";
-x $load or die "bench: $load missing: run make bench\n";

my @pids;	# every process we started, killed at the end by pid
END { stop_all() }
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

sub say_progress { print STDERR "bench: @_\n" }

# Ports of server number $i: echo +7, daytime +13, chargen +19, cat +1; UDP
# echo is on ::1 (openbsd-inetd ignores UDP from 127.0.0.0/8).
sub ports {
	my ($i) = @_;
	my $b = $cfg{port} + 100 * $i;
	return (echo => $b + 7, daytime => $b + 13, chargen => $b + 19,
	    cat => $b + 1, udp => $b + 7, finger => $b + 79);
}

# in.fingerd from Debian's fingerd, unpacked under build/peers by make
# check's peers target: the spawn rate of a real server, under its shipped
# policy and under none.
my $fingerd = "$build/peers/root/usr/sbin/in.fingerd";
$fingerd = undef unless -x $fingerd;

# Every server starts from this environment alone, the one sinetd and
# Debian's openbsd-inetd give their child servers: what a server was handed
# reaches the children of some (tcpserver, bare fork+exec) and not of
# others, and a LANG makes each /bin/cat load a locale, ~240 µs an exec
# here (C.UTF-8), which would be measured as the server's cost.
my %server_env = (PATH => '/usr/local/sbin:/usr/local/bin:/usr/sbin:' .
    '/usr/bin:/sbin:/bin');

sub spawn {
	my (%a) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		%ENV = %server_env;
		setsid();
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', $a{log} // '/dev/null';
		open STDERR, '>&', \*STDOUT;
		exec @{ $a{argv} } or POSIX::_exit(127);
	}
	push @pids, $pid;
	return $pid;
}

sub stop {
	my ($pid) = @_;
	return unless $pid && kill 0, $pid;
	kill 'TERM', $pid;
	for (1 .. 100) {
		return if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
}

sub stop_all {
	for my $pid (@pids) {
		# The whole session: a forking inetd's children die with it.
		kill 'TERM', -$pid if $pid > 1 && kill 0, $pid;
		stop($pid);
		kill 'KILL', -$pid if $pid > 1;
	}
	@pids = ();
}

# With $echo, a byte sent comes back: a queued connection is not served.
sub tcp_probe {
	my ($port, $echo, $host) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => $host // '127.0.0.1',
	    PeerPort => $port, Proto => 'tcp', Timeout => 1) or return 0;
	return 1 unless $echo;
	syswrite($s, "x") == 1 or return 0;
	my $sel = IO::Select->new($s);
	my $got = '';
	return $sel->can_read(1) && sysread($s, $got, 1) == 1 && $got eq 'x';
}

# Until a TCP port accepts (an echo port, answers): the server serves it.
sub wait_port {
	my ($port, $limit, $echo, $host) = @_;
	my $end = time + ($limit // 30);
	while (time < $end) {
		return 1 if tcp_probe($port, $echo, $host);
		sleep 0.002;
	}
	return 0;
}

sub write_file {
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh;
}

sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or return '';
	local $/;
	return <$fh> // '';
}

# ---- The servers ----------------------------------------------------------

sub inetd_lines {
	my (%p) = @_;
	return <<"EOF";
127.0.0.1:$p{echo}	stream	tcp	nowait	nobody	internal echo
127.0.0.1:$p{daytime}	stream	tcp	nowait	nobody	internal daytime
127.0.0.1:$p{chargen}	stream	tcp	nowait	nobody	internal chargen
[::1]:$p{udp}	dgram	udp6	wait	nobody	internal echo
127.0.0.1:$p{cat}	stream	tcp	nowait	nobody	/bin/cat	cat
EOF
}

sub start_sinetd {
	my ($dir, $conf, $extra, $poldir) = @_;
	mkdir $dir;
	my $log = "$dir/log";
	unlink $log;	# a repetition must not read the last one's ready
	my $pid = spawn(log => $log, argv => [ "$build/sinetd", '-d',
	    '-p', "$dir/pid", '-S', "$dir/ctl.sock", '-P', $poldir // "$top/policy",
	    '-R', '1000000', '-o', 'max-conns=8192', @{ $extra // [] },
	    $conf ]);
	my $end = time + 60;
	while (time < $end) {
		my $text = slurp($log);
		# A port someone else holds: we would measure their server.
		die "bench: sinetd could not bind every service: $text"
		    if $text =~ /ready: .*failed/;
		return $pid if $text =~ /ready: /;
		die "bench: sinetd exited: $text" if waitpid($pid, WNOHANG) == $pid;
		sleep 0.002;
	}
	die "bench: sinetd not ready in 60 s\n";
}

# A private /etc/services and /run for the inetds that look names up.
sub in_namespace {
	my ($services, @argv) = @_;
	return ('unshare', '-m', 'sh', '-c',
	    'mount --make-rprivate / && mount --bind "$0" /etc/services && ' .
	    'mount -t tmpfs tmpfs /run && exec "$@"', $services, @argv);
}

sub services_file {
	my ($path, %p) = @_;
	write_file($path, "echo\t$p{echo}/tcp\necho\t$p{udp}/udp\n" .
	    "daytime\t$p{daytime}/tcp\nchargen\t$p{chargen}/tcp\n" .
	    "benchcat\t$p{cat}/tcp\nbenchfinger\t$p{finger}/tcp\n");
}

sub named_inetd_conf {
	my ($udp6) = @_;
	return <<"EOF";
127.0.0.1:echo	stream	tcp	nowait	nobody	internal
127.0.0.1:daytime	stream	tcp	nowait	nobody	internal
127.0.0.1:chargen	stream	tcp	nowait	nobody	internal
${udp6}echo	dgram	udp6	wait	nobody	internal
127.0.0.1:benchcat	stream	tcp	nowait	nobody	/bin/cat	cat
EOF
}

sub xinetd_conf {
	my (%p) = @_;
	my $c = "defaults\n{\n\tinstances = UNLIMITED\n\tper_source = " .
	    "UNLIMITED\n\tcps = 10000000 1\n}\n";
	my $svc = sub {
		my ($name, $attrs) = @_;
		$c .= "service $name\n{\n";
		$c .= "\t$_\n" for @$attrs;
		$c .= "}\n";
	};
	for my $b ([ 'echo', 'stream', $p{echo} ], [ 'daytime', 'stream',
	    $p{daytime} ], [ 'chargen', 'stream', $p{chargen} ]) {
		$svc->($b->[0], [ "id = $b->[0]-stream",
		    'type = INTERNAL UNLISTED', 'socket_type = stream',
		    'protocol = tcp', 'wait = no', 'user = nobody',
		    'bind = 127.0.0.1', "port = $b->[2]" ]);
	}
	$svc->('echo', [ 'id = echo-dgram', 'type = INTERNAL UNLISTED',
	    'socket_type = dgram', 'protocol = udp', 'wait = yes',
	    'user = nobody', 'flags = IPv6', 'bind = ::1', "port = $p{udp}" ]);
	$svc->('benchcat', [ 'type = UNLISTED', 'socket_type = stream',
	    'protocol = tcp', 'wait = no', 'user = nobody',
	    'server = /bin/cat', 'bind = 127.0.0.1', "port = $p{cat}" ]);
	return $c;
}

# Each server: which workloads it serves, and how to start it on the ports
# of its number. A reference whose package is not unpacked is left out.
# The shipped policies, and for the finger port finger.policy (as
# shipped) or an empty file: the same server under no policy at all.
sub finger_policies {
	my ($dir, $port, $text) = @_;
	mkdir $dir;
	system('cp', glob("$top/policy/*.policy"), $dir) == 0
	    or die "bench: cannot copy the policies\n";
	write_file("$dir/$port.policy", $text);
	return $dir;
}

my @servers = (
	{ name => 'sinetd', serves => [qw(echo daytime udp chargen cat idle
	    scale), $fingerd ? 'finger' : ()], start => sub {
		my ($dir, %p) = @_;
		my $conf = inetd_lines(%p);
		$conf .= "127.0.0.1:$p{finger}\tstream\ttcp\tnowait\tnobody\t"
		    . "$fingerd\tin.fingerd\n" if $fingerd;
		write_file("$dir.conf", $conf);
		return start_sinetd($dir, "$dir.conf", undef, finger_policies(
		    "$dir.policy", $p{finger}, slurp("$top/policy/finger.policy")));
	} },
	{ name => 'sinetd no-policy', bin => $fingerd, serves => ['finger'],
	  start => sub {
		my ($dir, %p) = @_;
		write_file("$dir.conf", "127.0.0.1:$p{finger}\tstream\ttcp\t"
		    . "nowait\tnobody\t$fingerd\tin.fingerd\n");
		return start_sinetd($dir, "$dir.conf", undef,
		    finger_policies("$dir.policy", $p{finger}, ''));
	} },
	{ name => 'openbsd-inetd', bin => "$refs/usr/sbin/inetd",
	  serves => [qw(echo daytime udp chargen cat idle scale),
	    $fingerd ? 'finger' : ()],
	  start => sub {
		my ($dir, %p) = @_;
		services_file("$dir.services", %p);
		write_file("$dir.conf", named_inetd_conf('::1:') . ($fingerd ?
		    "127.0.0.1:benchfinger\tstream\ttcp\tnowait\tnobody\t"
		    . "$fingerd\tin.fingerd\n" : ''));
		my $pid = spawn(log => "$dir.log", argv => [ in_namespace(
		    "$dir.services", "$refs/usr/sbin/inetd", '-i', '-R',
		    '10000000', "$dir.conf") ]);
		wait_port($p{cat}) or die "bench: openbsd-inetd did not start\n";
		return $pid;
	} },
	{ name => 'xinetd', bin => "$refs/usr/sbin/xinetd",
	  serves => [qw(echo daytime udp chargen cat idle scale)],
	  start => sub {
		my ($dir, %p) = @_;
		write_file("$dir.conf", xinetd_conf(%p));
		my $pid = spawn(log => "$dir.log", argv => [
		    "$refs/usr/sbin/xinetd", '-dontfork', '-pidfile',
		    "$dir.pid", '-f', "$dir.conf" ]);
		wait_port($p{cat}) or die "bench: xinetd did not start\n";
		return $pid;
	} },
	{ name => 'tcpserver', bin => "$refs/usr/bin/tcpserver",
	  serves => [qw(cat)], start => sub {
		my ($dir, %p) = @_;
		my $pid = spawn(argv => [ "$refs/usr/bin/tcpserver", '-c',
		    '100000', '-HRD', '-l', '0', '-u', '65534', '-g', '65534',
		    '127.0.0.1', $p{cat}, '/bin/cat' ]);
		wait_port($p{cat}) or die "bench: tcpserver did not start\n";
		return $pid;
	} },
	{ name => 'bare epoll', serves => [qw(echo)], start => sub {
		my ($dir, %p) = @_;
		my $pid = spawn(argv => [ "$build/bench/bare_epoll",
		    $p{echo} ]);
		wait_port($p{echo}) or die "bench: bare_epoll did not start\n";
		return $pid;
	} },
	{ name => 'bare fork+exec', serves => [qw(cat)], start => sub {
		my ($dir, %p) = @_;
		my $pid = spawn(argv => [ "$build/bench/bare_forkexec",
		    $p{cat}, '/bin/cat', 'cat' ]);
		wait_port($p{cat}) or die "bench: bare_forkexec did not start\n";
		return $pid;
	} },
);
@servers = grep { !$_->{bin} || -x $_->{bin} } @servers;
if (defined $only) {
	my %want = map { $_ => 1 } split /,/, $only;
	@servers = grep { $want{$_->{name}} } @servers;
}
die "bench: sinetd is not among the servers\n"
    unless grep { $_->{name} eq 'sinetd' } @servers;
for my $i (0 .. $#servers) {
	$servers[$i]{ports} = { ports($i) };
	$servers[$i]{dir} = "$tmp/s$i";
}

# ---- Memory ---------------------------------------------------------------

# Every process in the tree under $root, $root first, with the fields of
# its /proc/PID/stat after the name (which may hold spaces and ')').
sub process_tree {
	my ($root) = @_;
	my (%kids, %stat);
	opendir my $d, '/proc' or return ();
	for my $pid (grep { /^\d+$/ } readdir $d) {
		open my $fh, '<', "/proc/$pid/stat" or next;
		my $line = <$fh> // next;
		$stat{$pid} = [ split ' ', $line =~ s/^.*\) //sr ];
		push @{ $kids{$stat{$pid}[1]} }, $pid;
	}
	my @tree;
	my @todo = ($root);
	while (defined(my $pid = shift @todo)) {
		next unless $stat{$pid};
		push @tree, [ $pid, $stat{$pid} ];
		push @todo, @{ $kids{$pid} // [] };
	}
	return @tree;
}

# The process tree under $root: RSS and PSS summed, in KiB, and how many.
sub tree_memory {
	my ($root) = @_;
	my ($rss, $pss, $n) = (0, 0, 0);
	for my $p (process_tree($root)) {
		open my $fh, '<', "/proc/$p->[0]/smaps_rollup" or next;
		$n++;
		while (<$fh>) {
			$rss += $1 if /^Rss:\s+(\d+)/;
			$pss += $1 if /^Pss:\s+(\d+)/;
		}
	}
	return ($rss, $pss, $n);
}

my $clk_tck = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

# CPU seconds of the tree under $root, with the children it has reaped:
# a forking server's children count once they are gone.
sub tree_cpu {
	my ($root) = @_;
	my $ticks = 0;
	# utime, stime, cutime, cstime
	$ticks += $_->[1][11] + $_->[1][12] + $_->[1][13] + $_->[1][14]
	    for process_tree($root);
	return $ticks / $clk_tck;
}

# ---- The workloads --------------------------------------------------------

my $current;	# the server being measured, for the CPU it spends

sub run_load {
	my (@args) = @_;
	my $cpu0 = tree_cpu($current->{pid});
	my $line = `$load @args 2>&1`;
	my %r = $line =~ /(\w+)=([\d.]+)/g;
	die "bench: load @args: $line" unless defined $r{rate};
	# Children still closing are reaped within a moment: count them.
	sleep 0.2;
	$r{cpu_us} = $r{ops} ? (tree_cpu($current->{pid}) - $cpu0) * 1e6 /
	    $r{ops} : undef;
	$current->{last_cpu} = $r{cpu_us};
	return \%r;
}

# Each workload: its row's name, unit, and what it measures on a server.
my @workloads = (
	{ id => 'echo1', serves => 'echo', unit => 'conn/s',
	  title => 'internal echo TCP, 1 client', run => sub {
		my ($s) = @_;
		return run_load('-m', 'echo', '-p', $s->{ports}{echo}, '-c', 1,
		    '-d', $cfg{seconds})->{rate};
	} },
	{ id => 'echo32', serves => 'echo', unit => 'conn/s',
	  title => 'internal echo TCP, 32 clients', run => sub {
		my ($s) = @_;
		my $r = run_load('-m', 'echo', '-p', $s->{ports}{echo}, '-c', 32,
		    '-d', $cfg{seconds});
		return $r->{rate};
	} },
	{ id => 'daytime32', serves => 'daytime', unit => 'conn/s',
	  title => 'internal daytime TCP, 32 clients', run => sub {
		my ($s) = @_;
		return run_load('-m', 'read', '-p', $s->{ports}{daytime}, '-c',
		    32, '-d', $cfg{seconds})->{rate};
	} },
	# Two load processes: one drove the exchange at a whole CPU (perf:
	# 52% of two, every server at its rate within noise), so the row
	# measured the generator, not the server.
	{ id => 'udp', serves => 'udp', unit => 'req/s',
	  title => 'internal echo UDP (::1), 8 clients in 2 processes',
	  run => sub {
		my ($s) = @_;
		return run_load('-m', 'udp', '-h', '::1', '-p',
		    $s->{ports}{udp}, '-c', 8, '-j', 2, '-d',
		    $cfg{seconds})->{rate};
	} },
	{ id => 'chargen', serves => 'chargen', unit => 'MB/s',
	  title => 'internal chargen TCP, 1 client', run => sub {
		my ($s) = @_;
		return run_load('-m', 'drain', '-p', $s->{ports}{chargen},
		    '-d', $cfg{seconds})->{mb_s};
	} },
	{ id => 'cat1', serves => 'cat', unit => 'conn/s',
	  title => 'external /bin/cat nowait, 1 client', run => sub {
		my ($s) = @_;
		return run_load('-m', 'echo', '-p', $s->{ports}{cat}, '-c', 1,
		    '-d', $cfg{seconds})->{rate};
	} },
	{ id => 'cat32', serves => 'cat', unit => 'conn/s',
	  title => 'external /bin/cat nowait, 32 clients', run => sub {
		my ($s) = @_;
		return run_load('-m', 'echo', '-p', $s->{ports}{cat}, '-c', 32,
		    '-d', $cfg{seconds})->{rate};
	} },
	{ id => 'finger1', serves => 'finger', unit => 'conn/s',
	  title => 'external in.fingerd nowait (finger.policy), 1 client',
	  run => sub {
		my ($s) = @_;
		return run_load('-m', 'ask', '-p', $s->{ports}{finger}, '-c', 1,
		    '-s', 2, '-d', $cfg{seconds})->{rate};
	} },
	{ id => 'finger8', serves => 'finger', unit => 'conn/s',
	  title => 'external in.fingerd nowait (finger.policy), 8 clients',
	  run => sub {
		my ($s) = @_;
		return run_load('-m', 'ask', '-p', $s->{ports}{finger}, '-c', 8,
		    '-s', 2, '-d', $cfg{seconds})->{rate};
	} },
	{ id => 'echo32_cpu', serves => 'echo', unit => 'µs', lower => 1,
	  title => 'server CPU per connection, echo at 32', from => 'echo32' },
	{ id => 'daytime32_cpu', serves => 'daytime', unit => 'µs', lower => 1,
	  title => 'server CPU per connection, daytime at 32',
	  from => 'daytime32' },
	{ id => 'cat32_cpu', serves => 'cat', unit => 'µs', lower => 1,
	  title => 'server CPU per connection, /bin/cat at 32',
	  from => 'cat32' },
	{ id => 'udp_cpu', serves => 'udp', unit => 'µs', lower => 1,
	  title => 'server CPU per request, UDP echo at 8', from => 'udp' },
	{ id => 'pss_idle', serves => 'echo', unit => 'KiB', lower => 1,
	  title => 'PSS of every process, idle', run => sub {
		my ($s) = @_;
		return (tree_memory($s->{pid}))[1];
	} },
	{ id => 'rss_idle', serves => 'echo', unit => 'KiB', lower => 1,
	  title => 'RSS of every process, idle', run => sub {
		my ($s) = @_;
		return (tree_memory($s->{pid}))[0];
	} },
	{ id => 'pss_load', serves => 'echo', unit => 'KiB', lower => 1,
	  title => 'PSS of every process, under echo load (32)', run => sub {
		my ($s) = @_;
		return load_memory($s, 1);
	} },
	{ id => 'rss_load', serves => 'echo', unit => 'KiB', lower => 1,
	  title => 'RSS of every process, under echo load (32)', run => sub {
		my ($s) = @_;
		return load_memory($s, 0);
	} },
	{ id => 'idle', serves => 'idle', unit => 'KiB/conn', lower => 1,
	  title => "memory per idle echo connection ($cfg{idle} held)",
	  run => \&idle_cost },
);

# Memory sampled halfway through an echo run at 32 clients.
sub load_memory {
	my ($s, $pss) = @_;
	my $pid = open my $fh, '-|', $load, '-m', 'echo', '-p',
	    $s->{ports}{echo}, '-c', 32, '-d', $cfg{seconds};
	sleep $cfg{seconds} / 2;
	my @m = tree_memory($s->{pid});
	local $/;
	<$fh>;
	close $fh;
	return $pss ? $m[1] : $m[0];
}

# PSS with $cfg{idle} echo connections held, less PSS before, per connection.
sub idle_cost {
	my ($s) = @_;
	my ($rss0, $pss0, $n0) = tree_memory($s->{pid});
	my $hold = $cfg{seconds} * 4 + 60;
	my $pid = open my $fh, '-|', $load, '-m', 'hold', '-p',
	    $s->{ports}{echo}, '-c', $cfg{idle}, '-d', $hold;
	my $line = <$fh> // '';
	my ($held) = $line =~ /held=(\d+)/;
	sleep 0.5;
	my ($rss1, $pss1) = tree_memory($s->{pid});
	kill 'TERM', $pid;
	close $fh;
	# A forking server's children end before the next measurement: its
	# idle memory must not be read while 10,000 of them are exiting.
	my $end = time + 180;
	sleep 0.5 while time < $end && (tree_memory($s->{pid}))[2] > $n0;
	return undef unless $held;
	my $cost = ($pss1 - $pss0) / $held;
	return $cost < 0 ? 0 : $cost;
}

# ---- Start-up and reload with many services -------------------------------

# Every scale run uses one port, on a loopback address per service
# (127.1.0.1, 127.1.0.2, ...). The services are internal daytime, which
# every server answers without forking (openbsd-inetd forks a child per
# echo connection: probing 1,000 echo ports would measure its forks, not
# its start-up). A reload changes a service in place to internal time, on
# the same address and port: the length of the answer (a line, or 4 bytes)
# says which one answered. openbsd-inetd knows its internal services only
# by name, so a private services file gives daytime and time this one port;
# but it cannot change one in place: it binds the new service's socket
# before it closes the old one's, the bind fails and its retry timer binds
# it a minute later. It has no cell in those rows; the row of a service
# moved to a new address is the change it can make, as every server can.
my $scale_port = $cfg{port} + 100 * @servers + 100;
my $scan = "$build/bench/scan";

sub scale_addr {
	my ($i) = @_;
	return sprintf '127.1.%d.%d', int($i / 250), $i % 250 + 1;
}

# Service number $i on address $a running internal $svc (daytime, time),
# in the dialect of $kind.
sub scale_line {
	my ($kind, $a, $svc, $i) = @_;
	my $p = $scale_port;
	return "service $svc\n{\n\tid = $svc-$i\n\ttype = INTERNAL UNLISTED\n" .
	    "\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n" .
	    "\tuser = nobody\n\tbind = $a\n\tport = $p\n}\n"
	    if $kind eq 'xinetd';
	return "$a:$p\tstream\ttcp\tnowait\tnobody\tinternal $svc\n"
	    if $kind eq 'sinetd';
	return "$a:$svc\tstream\ttcp\tnowait\tnobody\tinternal\n";
}

# Until every one of @addrs answers $want on $port (bench/scan.c): the
# elapsed milliseconds since $t0, or undef; and the last exchange's
# microseconds (with one address: the first connection answered).
sub scan_until {
	my ($t0, $port, $want, @addrs) = @_;
	my $list = "$tmp/scan.list";
	write_file($list, join '', map { "$_\n" } @addrs);
	my $line = `$scan -p $port -w $want -d 120 < $list`;
	my $ms = (time - $t0) * 1000;
	my ($us) = $line =~ /exchange_us=(\d+)/;
	return $? == 0 ? ($ms, $us) : (undef, undef);
}

# The servers' signal that a reload is over: sinetd logs it; the others
# say nothing, and the probe that follows waits for what it needs anyway.
sub reload_settled {
	my ($kind, $dir, $count) = @_;
	if ($kind eq 'sinetd') {
		my $end = time + 60;
		sleep 0.01 until time > $end ||
		    (() = slurp("$dir/log") =~ /reload done/g) >= $count;
	}
	sleep 0.2;
}

# Start-up: from exec until the last service answers, and until every
# service answers. Reloads (SIGHUP) of the running server, each timed until
# what it changed answers: one service added; for sinetd also an unchanged
# reload through sinetctl, which waits for the master's barrier; one
# service moved to a new address; one changed in place (daytime to time);
# every one changed in place.
sub scale_run {
	my ($s) = @_;
	my $n = $cfg{services};
	my $dir = "$s->{dir}-scale";
	my $kind = $s->{name} eq 'sinetd' ? 'sinetd' :
	    $s->{name} eq 'xinetd' ? 'xinetd' : 'named';
	my $conf = "$dir.conf";
	my $svc = "$dir.services";
	my %r;
	# Service $i's address (service 0 moves to 127.2.0.1) and builtin.
	my $moved = '127.2.0.1';
	my @addr = map { scale_addr($_) } 0 .. $n;
	my @builtin = ('daytime') x ($n + 1);
	my $write = sub {
		my ($count) = @_;
		write_file($conf, join '', map { scale_line($kind, $addr[$_],
		    $builtin[$_], $_) } 0 .. $count - 1);
	};
	write_file($svc, "daytime\t$scale_port/tcp\ntime\t$scale_port/tcp\n");
	$write->($n);
	my $t0 = time;
	my $pid;
	if ($kind eq 'sinetd') {
		$pid = start_sinetd($dir, $conf);
	} elsif ($kind eq 'xinetd') {
		$pid = spawn(log => "$dir.log", argv => [ $s->{bin},
		    '-dontfork', '-pidfile', "$dir.pid", '-f', $conf ]);
	} else {
		$pid = spawn(log => "$dir.log", argv => [ in_namespace($svc,
		    $s->{bin}, '-i', $conf) ]);
	}
	($r{start}) = scan_until($t0, $scale_port, 'daytime', $addr[$n - 1]);
	defined $r{start} or die "bench: $s->{name}: $n services not up\n";
	($r{start_all}) = scan_until($t0, $scale_port, 'daytime',
	    @addr[0 .. $n - 1]);
	my $reloads = 0;
	my $reload = sub {
		my ($want, @which) = @_;
		$write->($n + 1);
		my $t = time;
		kill 'HUP', $pid;
		my ($ms) = scan_until($t, $scale_port, $want, @addr[@which]);
		reload_settled($kind, $dir, ++$reloads);
		return $ms;
	};
	$r{reload} = $reload->('daytime', $n);
	if ($kind eq 'sinetd') {
		$t0 = time;
		system("$build/sinetctl -S $dir/ctl.sock reload >/dev/null")
		    == 0 or die "bench: sinetctl reload failed\n";
		$r{reload0} = (time - $t0) * 1000;
		reload_settled($kind, $dir, ++$reloads);
	}
	$addr[0] = $moved;
	$r{reload_moved} = $reload->('daytime', 0);
	if ($kind ne 'named') {
		$builtin[1] = 'time';
		$r{reload1} = $reload->('time', 1);
		@builtin = ('time') x ($n + 1);
		$r{reload_all} = $reload->('time', 0 .. $n);
	}
	kill 'TERM', -$pid;
	stop($pid);
	return \%r;
}

# ---- A few services: just after start, and idle ---------------------------

# The ten internal services (five builtins, TCP and UDP) on 127.0.0.1, and
# etc/sinetd.conf's 22 (its lines on 127.0.0.1 and ::1), on ports of a
# block of their own, in the dialect of each server.
my $small_base = $cfg{port} + 100 * @servers + 200;
my @builtins = qw(echo discard chargen daytime time);
my %builtin_port = (echo => 7, discard => 9, chargen => 19, daytime => 13,
    time => 37);

sub small_services_file {
	my ($path) = @_;
	write_file($path, join('', map { my $p = $small_base +
	    $builtin_port{$_}; "$_\t$p/tcp\n$_\t$p/udp\n" } @builtins) .
	    "benchcat\t" . ($small_base + 1) . "/tcp\n");
}

# etc/sinetd.conf's services, one hash per (address, line); its 100NN
# ports become $small_base + NN.
sub shipped_services {
	my @addrs;
	my @svc;
	open my $fh, '<', "$top/etc/sinetd.conf" or die "etc/sinetd.conf: $!";
	while (<$fh>) {
		next if /^\s*(#|$)/;
		if (/^(\S+):\s*$/) {
			@addrs = split /,/, $1;
			next;
		}
		my ($port, $type, $proto, $wait, $user, @prog) = split ' ';
		$port =~ /^100(\d\d)$/ or die "etc/sinetd.conf: port $port\n";
		push @svc, map { { addr => $_, port => $small_base + $1,
		    type => $type, proto => $proto, wait => $wait,
		    user => $user, prog => [ @prog ] } } @addrs;
	}
	return @svc;
}

sub small_conf {
	my ($kind, $which) = @_;
	my @svc = $which eq 'shipped' ? shipped_services() :
	    map { my $b = $_; map { { addr => '127.0.0.1',
	    port => $small_base + $builtin_port{$b}, type => $_ eq 'tcp' ?
	    'stream' : 'dgram', proto => $_, wait => $_ eq 'tcp' ? 'nowait' :
	    'wait', user => 'nobody', prog => [ 'internal', $b ] } }
	    qw(tcp udp) } @builtins;
	my $c = '';
	$c = "defaults\n{\n\tinstances = UNLIMITED\n\tper_source = " .
	    "UNLIMITED\n\tcps = 10000000 1\n}\n" if $kind eq 'xinetd';
	for my $v (@svc) {
		my $internal = $v->{prog}[0] eq 'internal';
		if ($kind eq 'sinetd') {
			$c .= join("\t", "$v->{addr}:$v->{port}", $v->{type},
			    $v->{proto}, $v->{wait}, $v->{user},
			    join(' ', @{ $v->{prog} })) . "\n";
		} elsif ($kind eq 'xinetd') {
			my $name = $internal ? $v->{prog}[1] : 'benchcat';
			my $a = $v->{addr} =~ s/^\[(.*)\]$/$1/r;
			$c .= "service $name\n{\n\tid = $name-$v->{proto}-$a\n" .
			    "\ttype = " . ($internal ? 'INTERNAL ' : '') .
			    "UNLISTED\n\tsocket_type = $v->{type}\n" .
			    "\tprotocol = $v->{proto}\n\twait = " .
			    ($v->{wait} eq 'wait' ? 'yes' : 'no') .
			    "\n\tuser = $v->{user}\n" .
			    ($a =~ /:/ ? "\tflags = IPv6\n" : '') .
			    "\tbind = $a\n\tport = $v->{port}\n" .
			    ($internal ? '' : "\tserver = $v->{prog}[0]\n") .
			    "}\n";
		} else {
			my $v6 = $v->{addr} =~ /^\[(.*)\]$/;
			my $name = $internal ? $v->{prog}[1] : 'benchcat';
			$c .= join("\t", ($v6 ? "$1:" : "$v->{addr}:") . $name,
			    $v->{type}, $v->{proto} . ($v6 ? '6' : ''),
			    $v->{wait}, $v->{user}, $internal ? 'internal' :
			    join(' ', @{ $v->{prog} }))
			    . "\n";
		}
	}
	return $c;
}

# Starts $s on the ten or the 22 services; sinetd until it says ready, the
# others without waiting (they say nothing when they are).
sub small_start {
	my ($s, $which) = @_;
	my $dir = "$s->{dir}-$which";
	my $kind = $s->{name} eq 'sinetd' ? 'sinetd' :
	    $s->{name} eq 'xinetd' ? 'xinetd' : 'named';
	write_file("$dir.conf", small_conf($kind, $which));
	return start_sinetd($dir, "$dir.conf") if $kind eq 'sinetd';
	return spawn(log => "$dir.log", argv => [ $s->{bin}, '-dontfork',
	    '-pidfile', "$dir.pid", '-f', "$dir.conf" ]) if $kind eq 'xinetd';
	small_services_file("$dir.services");
	return spawn(log => "$dir.log", argv => [ in_namespace(
	    "$dir.services", $s->{bin}, '-i', "$dir.conf") ]);
}

# The first connection just after start: from the connect that succeeds
# (sinetd: the first, once ready) to the echo answer, in milliseconds.
sub cold_run {
	my ($s) = @_;
	my $pid = small_start($s, 'ten');
	my (undef, $us) = scan_until(time, $small_base + 7, 'echo',
	    '127.0.0.1');
	stop($pid);
	return defined $us ? $us / 1000 : undef;
}

# PSS of the whole process tree, idle, a second after start: for sinetd
# after ready; for the others once daytime answers (in-process: no child).
sub pss_run {
	my ($s, $which) = @_;
	my $pid = small_start($s, $which);
	my $pss;
	$current = { pid => $pid };
	if ($s->{name} eq 'sinetd' || defined((scan_until(time,
	    $small_base + 13, 'daytime', '127.0.0.1'))[0])) {
		sleep 1;
		$pss = (tree_memory($pid))[1];
	}
	kill 'TERM', -$pid;
	stop($pid);
	return $pss;
}

# ---- The run --------------------------------------------------------------

sub median {
	my @v = sort { $a <=> $b } grep { defined } @_;
	return undef unless @v;
	return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

# Every port of the run is free before anything starts: another benchmark
# on the machine (the same default BENCH_PORT) would otherwise answer for
# our servers, or make one of them fail to bind, and be measured instead.
sub port_taken {
	my ($host, $port, $proto) = @_;
	my $s = IO::Socket::IP->new(LocalHost => $host, LocalPort => $port,
	    Proto => $proto, $proto eq 'tcp' ? (Listen => 1, ReuseAddr => 1) :
	    ()) and return 0;
	return $!{EADDRINUSE} ? 1 : 0;
}
my @taken = grep { port_taken(@$_) } (
    (map { my %p = %{ $_->{ports} }; (map { [ '127.0.0.1', $_, 'tcp' ] }
    @p{qw(echo daytime chargen cat finger)}), [ '::1', $p{udp}, 'udp' ] }
    @servers),
    [ scale_addr(0), $scale_port, 'tcp' ],
    map { my $p = $small_base + $_; ([ '127.0.0.1', $p, 'tcp' ],
    [ '127.0.0.1', $p, 'udp' ]) } 1, values %builtin_port);
die 'bench: ports in use (another benchmark? set BENCH_PORT): ' .
    join(', ', map { "$_->[0]:$_->[1]/$_->[2]" } @taken) . "\n" if @taken;

if (defined $rows) {
	my %want = map { $_ => 1 } split /,/, $rows;
	my @unknown = grep { my $id = $_; !grep { $_->{id} eq $id }
	    @workloads } sort keys %want;
	die "bench: --rows: no such workload: @unknown\n" if @unknown;
	@workloads = grep { $want{$_->{id}} || $want{$_->{from} // ''} }
	    @workloads;
}

my %results;	# workload id => server name => [values]
say_progress("servers: " . join(', ', map { $_->{name} } @servers));
for my $s ($scale_only ? () : @servers) {
	$s->{pid} = $s->{start}->($s->{dir}, %{ $s->{ports} });
}
for my $rep ($scale_only ? () : 1 .. $cfg{reps}) {
	for my $w (@workloads) {
		my @who = grep { my $s = $_; grep { $_ eq $w->{serves} }
		    @{ $s->{serves} } } @servers;
		# Each repetition starts with the next server: no one always
		# runs first, on a cold cache, or last, on a warm one.
		@who = (@who[($rep - 1) % @who .. $#who],
		    @who[0 .. ($rep - 1) % @who - 1]) if @who;
		for my $s (@who) {
			next if $w->{from};
			$current = $s;
			my $v = $w->{run}->($s);
			if (my ($c) = grep { ($_->{from} // '') eq $w->{id} }
			    @workloads) {
				push @{ $results{$c->{id}}{$s->{name}} },
				    $s->{last_cpu};
			}
			push @{ $results{$w->{id}}{$s->{name}} }, $v;
			say_progress(sprintf "rep %d %-10s %-15s %s", $rep,
			    $w->{id}, $s->{name}, $v // 'failed');
		}
	}
}
stop_all();
my $n = $cfg{services};
my @scale = (
	{ id => 'start', unit => 'ms', lower => 1,
	  title => "start-up, $n TCP services, until the last answers" },
	{ id => 'start_all', unit => 'ms', lower => 1,
	  title => "start-up, $n TCP services, until every one answers" },
	{ id => 'reload', unit => 'ms', lower => 1,
	  title => "reload (SIGHUP), $n services, one added" },
	{ id => 'reload0', unit => 'ms', lower => 1,
	  title => "reload, $n unchanged (sinetctl reload)" },
	{ id => 'reload_moved', unit => 'ms', lower => 1,
	  title => "reload (SIGHUP), $n services, one moved to a new " .
	    "address, until it answers" },
	{ id => 'reload1', unit => 'ms', lower => 1,
	  title => "reload (SIGHUP), $n services, one changed in place, " .
	    "until it answers" },
	{ id => 'reload_all', unit => 'ms', lower => 1,
	  title => "reload (SIGHUP), all $n services changed in place, " .
	    "until every one answers" },
	{ id => 'cold', unit => 'ms', lower => 1,
	  title => 'first connection just after start (echo, cold)' },
	{ id => 'pss_ten', unit => 'KiB', lower => 1,
	  title => 'PSS of every process, idle, 10 internal services ' .
	    '(5 builtins × TCP+UDP)' },
	{ id => 'pss_shipped', unit => 'KiB', lower => 1,
	  title => 'PSS of every process, idle, the 22 services of ' .
	    'etc/sinetd.conf' },
);
my @small = defined $rows ? () :
    grep { grep { $_ eq 'scale' } @{ $_->{serves} } } @servers;
for my $rep (1 .. $cfg{reps}) {
	# Each repetition starts with the next server, as above.
	my @who = @small ? (@small[($rep - 1) % @small .. $#small],
	    @small[0 .. ($rep - 1) % @small - 1]) : ();
	for my $s (@who) {
		my $r = scale_run($s);
		$r->{cold} = cold_run($s);
		$r->{pss_ten} = pss_run($s, 'ten');
		$r->{pss_shipped} = pss_run($s, 'shipped');
		for my $w (@scale) {
			push @{ $results{$w->{id}}{$s->{name}} }, $r->{$w->{id}}
			    if defined $r->{$w->{id}};
		}
		say_progress(sprintf "rep %d scale %-15s %s", $rep, $s->{name},
		    join(', ', map { "$_->{id} " . (defined $r->{$_->{id}} ?
		    sprintf('%.1f', $r->{$_->{id}}) : 'failed') } @scale));
	}
}

# ---- The table ------------------------------------------------------------

my @names = map { $_->{name} } @servers;
my @refs = grep { $_ ne 'sinetd' } @names;
my $cpu = do {
	open my $fh, '<', '/proc/cpuinfo';
	my ($m) = grep { /^model name/ } <$fh>;
	($m // 'unknown') =~ s/^model name\s*:\s*//r =~ s/\s+$//r;
};
my $ncpu = () = do { open my $fh, '<', '/proc/cpuinfo'; grep { /^processor/ } <$fh> };
my $fmt = sub {
	my ($v) = @_;
	return '—' unless defined $v;
	return $v >= 100 ? sprintf('%.0f', $v) : $v >= 10 ?
	    sprintf('%.1f', $v) : $v >= 1 ? sprintf('%.2f', $v) :
	    sprintf('%.3f', $v);
};
my $md = sprintf "## %s — %s, %d cores\n\n", strftime('%Y-%m-%d %H:%M UTC',
    gmtime), $cpu, $ncpu;
$md .= "Median of $cfg{reps} interleaved runs of $cfg{seconds} s each " .
    "(`make bench`). Ratios are sinetd / reference: above 1 is sinetd " .
    "ahead for a rate, behind for a time or a size (marked ↓). Server " .
    "CPU counts every process of the server, its children once reaped. " .
    "Memory is of every process of the server; after the first " .
    "repetition it includes what a server kept from the 10,000 idle " .
    "connections of the one before.\n\n";
$md .= '| workload | unit | ' . join(' | ', @names) . ' | ' .
    join(' | ', map { "sinetd/$_" } @refs) . " |\n";
$md .= '|' . ' --- |' x (2 + @names + @refs) . "\n";
for my $w (@workloads, @scale) {
	my $r = $results{$w->{id}} or next;
	my %m = map { $_ => median(@{ $r->{$_} // [] }) } @names;
	$md .= "| $w->{title} | $w->{unit}" . ($w->{lower} ? ' ↓' : '') .
	    ' | ' . join(' | ', map { $fmt->($m{$_}) } @names) . ' | ' .
	    join(' | ', map { defined $m{sinetd} && $m{$_} ?
	    $fmt->($m{sinetd} / $m{$_}) : '—' } @refs) . " |\n";
}
print $md;
if (defined $out) {
	my $old = '';
	if (open my $fh, '<', $out) {
		local $/;
		$old = <$fh>;
		$old =~ s/^# sinetd benchmark\n\n.*?(?=^## )//ms;
	}
	write_file($out, "# sinetd benchmark\n\nNewest first; every run " .
	    "of `make bench` adds its table here, so the history of the " .
	    "ratios stays in the repository.\n\n$md\n$old");
	say_progress("wrote $out");
}
