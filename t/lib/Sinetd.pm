# SPDX-License-Identifier: ISC
# The test library: starts the real daemon on loopback, waits for its ready
# line, picks ports that do not collide, talks to services, and kills every
# process it started, by pid, even when a test dies.
package Sinetd;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use FindBin;
use IO::Select;
use IO::Socket::IP;
use POSIX qw(WNOHANG);
use Socket qw(SOCK_STREAM SOCK_DGRAM SHUT_WR AF_INET AF_INET6
    inet_pton pack_sockaddr_in pack_sockaddr_in6);
use Time::HiRes qw(time sleep);

our @EXPORT = qw(sinetd_bin build_dir default_policy private_ns free_port
    tcp_talk tcp_connect
    udp_ask wait_for proc_status proc_uid children_of pid_alive
    port_free write_file slurp read_some cmdline worker_said privileged
    $LOG_HEAD);

# How each line on stderr (-d) begins: its RFC 3339 UTC time, then who.
our $LOG_HEAD = qr/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z sinetd\[\d+\]: /;

my $BUILD = $ENV{SINETD_BUILD} // "$FindBin::Bin/../build";

# A test run by prove alone keeps its files where make check keeps them:
# under /tmp, a policy's private-tmp would hide them from the servers.
unless (defined $ENV{TMPDIR}) {
	require Cwd;
	my $tmp = "$BUILD/tmp";
	mkdir $tmp;
	$ENV{TMPDIR} = Cwd::abs_path($tmp) // $tmp;
}
my @started;    # every daemon pid this test started
my @daemons;    # and their objects, for their logs when a test fails
my %used_port;

# Whether a test may use root. SINETD_TEST_UNPRIVILEGED=1 runs the tests
# as a package build runs them (debian/rules), which a build daemon runs
# as an ordinary user: what needs root skips, saying so, even where the
# build itself runs as root.
sub privileged { $> == 0 && !$ENV{SINETD_TEST_UNPRIVILEGED} }

sub build_dir { $BUILD }
sub sinetd_bin { "$BUILD/sinetd" }

# A checkout under /tmp or /var/tmp (CI may clone there): a pool's private
# /tmp would hide the programs and files the tests start, so the tests'
# default.policy shares the host's /tmp. Everything else stays as shipped.
sub under_tmp {
	require Cwd;
	my $b = Cwd::abs_path($BUILD) // $BUILD;
	return $b =~ m{^/(?:var/)?tmp/};
}

# A command line prefix that runs what follows in a mount namespace whose
# mounts never reach the host's: unshare -m, then / made private by the
# shell itself (unshare's own attempt fails where / is no mount point).
# undef, with the reason in $@, where that cannot be had.
sub private_ns {
	my $probe = "unshare -m --propagation unchanged sh -c "
	    . "'mount --make-rprivate / 2>/dev/null || exit 3' 2>&1";
	my $out = `$probe`;
	if ($? != 0) {
		$@ = "no private mount namespace here (unshare -m, then mount "
		    . "--make-rprivate /): " . ($out =~ s/\s+$//r || "exit " . ($? >> 8));
		return undef;
	}
	return ('unshare', '-m', '--propagation', 'unchanged', 'sh', '-c',
	    'mount --make-rprivate / && exec "$@"', 'sh');
}

# The text of policy/default.policy, as the tests must use it here.
sub default_policy {
	my $t = slurp("$FindBin::Bin/../policy/default.policy");
	$t .= "\n# The checkout is under /tmp (t/lib/Sinetd.pm).\n" .
	    "private-tmp no\n" if under_tmp();
	return $t;
}

sub write_file {
	my ($path, $text) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	print $fh $text;
	close($fh);
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or return '';
	local $/;
	my $s = <$fh>;
	return $s // '';
}

# True when nothing listens on, or is bound to, this port on loopback.
sub port_free {
	my ($port) = @_;
	for my $host ('127.0.0.1', '::1') {
		for my $type (SOCK_STREAM, SOCK_DGRAM) {
			my $s = IO::Socket::IP->new(LocalHost => $host,
			    LocalPort => $port, Type => $type, ReuseAddr => 1)
			    or return 0;
			close($s);
		}
	}
	return 1;
}

# A port free for TCP and UDP on 127.0.0.1 and ::1, below the ephemeral
# range, never handed out twice by one test; random, so parallel tests and
# parallel runs do not collide.
sub free_port {
	for (1 .. 500) {
		my $p = 20000 + int(rand(12000));
		next if $used_port{$p} || $p == 2049;
		$used_port{$p} = 1;
		return $p if port_free($p);
	}
	die "no free port found";
}

sub pid_alive {
	my ($pid) = @_;
	return 0 unless -e "/proc/$pid";
	my $stat = slurp("/proc/$pid/stat");
	return $stat !~ /^\d+ \(.*\) Z /s;
}

sub proc_status {
	my ($pid, $key) = @_;
	my $s = slurp("/proc/$pid/status");
	return $s =~ /^\Q$key\E:\s*(.*)$/m ? $1 : undef;
}

# The real, effective, saved and filesystem uids of a process.
sub proc_uid {
	my ($pid) = @_;
	my $u = proc_status($pid, 'Uid') // return;
	return split(/\s+/, $u);
}

sub children_of {
	my ($ppid) = @_;
	my @kids;
	opendir(my $d, '/proc') or return;
	for my $pid (grep { /^\d+$/ } readdir($d)) {
		my $stat = slurp("/proc/$pid/stat");
		next unless $stat =~ /^\d+ \(.*\) \S (\d+) /s;
		push @kids, $pid if $1 == $ppid;
	}
	return sort { $a <=> $b } @kids;
}

# Polls until the code returns true or the time is up.
sub wait_for {
	my ($timeout, $code) = @_;
	my $end = time + $timeout;
	while (1) {
		my $r = $code->();
		return $r if $r;
		return undef if time > $end;
		sleep(0.05);
	}
}

# Sinetd->start(conf => TEXT, args => [...], wait => 1): a daemon in the
# foreground (-d), its log in a file, started once its ready line is there;
# without refresh => 1, under -W.
# prefix => [...] runs it under a wrapper (sh -c 'ulimit ...; exec "$@"').
sub start {
	my ($class, %o) = @_;
	my $dir = $o{dir} // tempdir(CLEANUP => 1);
	my $conf = "$dir/inetd.conf";
	write_file($conf, $o{conf} // '');
	my $self = bless {
		dir => $dir, conf => $conf, log => "$dir/log",
		pidfile => $o{pidfile} // "$dir/sinetd.pid",
		ctl_socket => $o{ctl_socket} // "$dir/ctl.sock",
	}, $class;
	my @args = @{ $o{args} // [] };
	# A test that edits a file and then reloads (SIGHUP, sinetctl)
	# asserts what that reload did: refresh on edit (on by default, -W
	# turns it off) would race it on a slow machine. refresh => 1 keeps
	# it on, for the tests of it.
	unshift @args, '-W' unless $o{refresh};
	# The tests look at running workers (their pids, ids, filters):
	# every pool starts its workers at once, as before pools started
	# cold. lazy => 1 keeps the default, a cold start (t/96e-pools.t).
	unshift @args, '-o', 'prefork=256'
	    unless $o{lazy} || grep { /^prefork=/ } @args;
	if (under_tmp() && !grep { $_ eq '-P' } @args) {
		mkdir("$dir/policy.tmp");
		write_file("$dir/policy.tmp/default.policy", default_policy());
		push @args, '-P', "$dir/policy.tmp";
	}
	# Never the default /run/sinetd/sinetd.sock: parallel tests have their own.
	my @cmd = (@{ $o{prefix} // [] }, $o{bin} // sinetd_bin(), '-d', '-p',
	    $self->{pidfile}, '-S', $self->{ctl_socket}, @args, $conf);
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		# Never die here: the parent's END would run in the child.
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', $self->{log}) or POSIX::_exit(126);
		open(STDERR, '>&', \*STDOUT);
		$o{before_exec}->() if $o{before_exec};
		{ no warnings 'exec'; exec(@cmd); }
		POSIX::_exit(127);
	}
	$self->{pid} = $pid;
	push @started, $pid;
	push @daemons, $self;
	if ($o{wait} // 1) {
		$self->wait_log(qr/ready: \d+ services/, 15)
		    or die "sinetd did not report ready:\n" . $self->log_text;
	}
	return $self;
}

sub pid { $_[0]{pid} }
sub dir { $_[0]{dir} }
sub ctl_socket { $_[0]{ctl_socket} }

# Runs sinetctl against this daemon: (exit status, stdout, stderr).
# as => 'user' runs it under that user's uid (the test runs as root).
sub ctl {
	my ($self, @args) = @_;
	my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my ($out, $err) = (File::Temp->new, File::Temp->new);
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', $out->filename) or POSIX::_exit(126);
		open(STDERR, '>', $err->filename) or POSIX::_exit(126);
		if ($o{as}) {
			my (undef, undef, $uid, $gid) = getpwnam($o{as});
			POSIX::_exit(126) unless defined $uid;
			$( = $) = "$gid $gid";
			$< = $> = $uid;
			POSIX::_exit(126) unless $> == $uid && $< == $uid;
		}
		{ no warnings 'exec'; exec("$BUILD/sinetctl", '-S',
		    $o{socket} // $self->{ctl_socket}, @args); }
		POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return ($? >> 8, slurp($out->filename), slurp($err->filename));
}
sub log_text { slurp($_[0]{log}) }

sub wait_log {
	my ($self, $re, $timeout) = @_;
	return wait_for($timeout // 5, sub {
		my @m = $self->log_text =~ $re;
		return @m ? ($m[0] // 1) : 0;
	});
}

# A line a worker logged, as the master writes it: the master's fields
# first (the service's, then the worker's pid), then the worker's text
# quoted whole, msg="...", with \" and \\ inside. $svc matches the
# service field (undef: any, or a pool's first); $text matches from the start of the text,
# and ends with " where the text must end.
sub worker_said {
	my ($svc, $text) = @_;
	$svc //= qr/\S+/;
	# A pool of several services names its first, then itself.
	return qr/from worker service=$svc proto=\S+ addr=\S+(?: pool=\d+ services=\d+)? pid=\d+ msg="$text/;
}

sub count_log {
	my ($self, $re) = @_;
	my @m = $self->log_text =~ /$re/g;
	return scalar(@m);
}

sub workers { children_of($_[0]{pid}) }

# A process's command line, its arguments joined by spaces.
sub cmdline { my $c = slurp("/proc/$_[0]/cmdline"); $c =~ tr/\0/ /; $c }

# The worker that spawned the child server now running for this port:
# of a pool's several workers, the one whose child it is.
sub spawner_for {
	my ($self, $port) = @_;
	my (undef, $st) = $self->ctl('-k', 'status', $port);
	my ($child) = ($st // '') =~ /^  child pid=(\d+)/m or return undef;
	my ($ppid) = slurp("/proc/$child/stat") =~ /^\d+ \(.*\) \S (\d+)/s
	    or return undef;
	return (grep { $_ == $ppid } $self->workers) ? $ppid : undef;
}

# The (first) worker serving this port over this protocol (default tcp).
sub worker_for {
	my ($self, $port, $proto) = @_;
	$proto //= 'tcp';
	my ($w) = grep { cmdline($_) =~ /proto=$proto addr=\S+:$port\b/ }
	    $self->workers;
	return $w;
}

# Descriptors open and resident KiB, summed over the master and workers:
# what a fault must give back.
sub resources {
	my ($self) = @_;
	my ($fds, $rss) = (0, 0);
	for my $pid ($self->{pid}, $self->workers) {
		opendir(my $d, "/proc/$pid/fd") or next;
		$fds += grep { /^\d+$/ } readdir($d);
		$rss += $1 if slurp("/proc/$pid/status") =~ /^VmRSS:\s+(\d+)/m;
	}
	return ($fds, $rss);
}

# After a fault: true once the descriptors are back to $fds and the
# resident memory within $slack KiB of $rss.
sub back_to {
	my ($self, $fds, $rss, $slack) = @_;
	return wait_for(10, sub {
		my ($f, $r) = $self->resources;
		$f <= $fds && $r <= $rss + ($slack // 1024);
	});
}

# Every daemon this test started.
sub daemons { @daemons }

# Whether the daemon has exited; reaps it if so.
sub exited {
	my ($self) = @_;
	return 1 if defined $self->{status};
	my $r = waitpid($self->{pid}, WNOHANG);
	if ($r == $self->{pid}) {
		$self->{status} = $?;
		return 1;
	}
	return 0;
}

# Whether the daemon was built with ASan (SANITIZE=1), whose quarantine
# keeps freed memory from the system on purpose.
sub sanitized {
	open(my $fh, '<', sinetd_bin()) or return 0;
	local $/;
	my $bin = <$fh>;
	return index($bin, '__asan_init') >= 0;
}

# A sanitizer's report in the log (SANITIZE=1) fails the test that stops it.
sub check_sanitizers {
	my ($self) = @_;
	my ($report) = $self->log_text =~
	    /^(.*(?:Sanitizer|runtime error:).*)$/m;
	Test::More::ok(!defined $report, 'no sanitizer report in the log')
	    or Test::More::diag($report);
}

# SIGTERM, then up to $timeout seconds; returns the wait status.
sub stop {
	my ($self, $timeout) = @_;
	unless ($self->exited) {
		kill('TERM', $self->{pid});
		wait_for($timeout // 20, sub { $self->exited });
	}
	unless ($self->exited) {
		kill('KILL', $self->{pid}, $self->workers);
		waitpid($self->{pid}, 0);
		$self->{status} = $?;
	}
	$self->check_sanitizers if $INC{'Test/More.pm'};
	return $self->{status};
}

sub END {
	my $saved = $?;
	# A failing test shows the end of each daemon's log.
	if ($INC{'Test/More.pm'} && !Test::More->builder->is_passing) {
		for my $d (@daemons) {
			my @lines = split /\n/, $d->log_text;
			splice(@lines, 0, @lines - 40) if @lines > 40;
			Test::More::diag("log of sinetd pid $d->{pid}:\n"
			    . join("\n", @lines));
		}
	}
	for my $pid (@started) {
		next unless pid_alive($pid);
		my @kids = children_of($pid);
		kill('KILL', $pid, @kids);
		waitpid($pid, 0);
	}
	$? = $saved;
}

sub tcp_connect {
	my ($host, $port, %o) = @_;
	return IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
	    Type => SOCK_STREAM, Timeout => $o{timeout} // 5, %{ $o{opts} // {} });
}

# Reads until EOF, $max bytes, or $timeout seconds of silence.
sub read_some {
	my ($sock, $max, $timeout) = @_;
	my $sel = IO::Select->new($sock);
	my $data = '';
	while (length($data) < $max) {
		last unless $sel->can_read($timeout);
		my $n = sysread($sock, my $buf, $max - length($data));
		last unless $n;
		$data .= $buf;
	}
	return $data;
}

# Connects, sends, half-closes if asked, reads what comes back.
sub tcp_talk {
	my ($host, $port, $send, %o) = @_;
	my $s = tcp_connect($host, $port) or return undef;
	if (defined $send && length $send) {
		my $off = 0;
		while ($off < length($send)) {
			my $n = syswrite($s, $send, length($send) - $off, $off);
			return undef unless defined $n;
			$off += $n;
		}
	}
	shutdown($s, SHUT_WR) if $o{half_close};
	my $data = read_some($s, $o{max} // 1 << 20, $o{timeout} // 2);
	close($s);
	return $data;
}

# One datagram out, the reply back (or undef after $timeout).
sub udp_ask {
	my ($host, $port, $send, %o) = @_;
	my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
	    Type => SOCK_DGRAM,
	    ($o{local_port} ? (LocalPort => $o{local_port}, ReuseAddr => 1)
		: ()),
	    ($o{local_host} ? (LocalHost => $o{local_host}) : ()))
	    or return undef;
	defined(send($s, $send, 0)) or return undef;
	my $sel = IO::Select->new($s);
	return undef unless $sel->can_read($o{timeout} // 2);
	my $buf;
	recv($s, $buf, 65536, 0) // return undef;
	return $buf;
}

1;
