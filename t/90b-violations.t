# SPDX-License-Identifier: ISC
# Violations are exact: a child server (t/helper/probe.c) makes glibc's
# clone3 attempts, a call its policy refuses, then one it kills, directly
# and in a process of its own (as login under in.telnetd), and once its
# worker has died. The log names the killed call and no other, each kill
# counts once (status and metrics), the clone3 fallback is no event, a
# pid that another killed process had before is never given that
# process's record, and where the record is lost the line says unknown.
# `action errno ENOSYS' applies. All of it twice: on a quiet machine,
# and beside two busy loops.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Test::More;
use Sinetd;

plan skip_all => 'seccomp audit records and process events need root'
    if !privileged();
my $probe = build_dir() . '/t/probe';
my $hooks = build_dir() . '/t/sinetd-hooks';
plan skip_all => 'no build/t/probe or build/t/sinetd-hooks'
    unless -x $probe && -x $hooks;
my $keyctl = 250;	# x86_64; the probe is built for the host
plan skip_all => 'the probe\'s syscall numbers are x86_64\'s'
    unless `uname -m` =~ /^x86_64/;

my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
mkdir("$dir/policy");
write_file("$dir/policy/default.policy", default_policy());
my %p = map { $_ => free_port() } qw(direct sub enosys eperm orphan);
for my $k (qw(direct sub orphan)) {
	write_file("$dir/policy/$p{$k}.policy",
	    "deny \@keyring\nrefuse EPERM uname\naction kill\n");
}
# Each an action whose errno libseccomp once saw as a rule's too.
write_file("$dir/policy/$p{enosys}.policy",
    "deny \@keyring\naction errno ENOSYS\n");
write_file("$dir/policy/$p{eperm}.policy",
    "deny \@keyring\nrefuse EPERM uname\naction errno EPERM\n");
my $conf = <<"EOF";
127.0.0.1:$p{direct} stream tcp nowait nobody $probe probe clone3=3 thread refuse kill
127.0.0.1:$p{sub} stream tcp nowait nobody $probe probe sub clone3=3 thread refuse kill
127.0.0.1:$p{enosys} stream tcp nowait nobody $probe probe clone3=2 thread kill
127.0.0.1:$p{eperm} stream tcp nowait nobody $probe probe refuse kill
127.0.0.1:$p{orphan} stream tcp nowait nobody $probe probe orphan kill
EOF

# The load: two busy loops beside, killed by pid whatever happens.
my @load;
sub load_on {
	for (1 .. 2) {
		my $pid = fork() // die "fork: $!";
		if ($pid == 0) {
			open(STDOUT, '>', '/dev/null');
			exec('yes') or POSIX::_exit(127);
		}
		push @load, $pid;
	}
}
sub load_off {
	kill('KILL', @load) if @load;
	waitpid($_, 0) for @load;
	@load = ();
}
END { load_off() }

sub status_of {
	my ($d, $port) = @_;
	my (undef, $out) = $d->ctl('-k', 'status');
	my ($line) = grep { /^service=$port / } split /\n/, $out;
	return { map { /^([^=]+)=(.*)$/ ? ($1, $2) : () }
	    split / /, $line // '' };
}

sub violations {
	my ($d, $port) = @_;
	return status_of($d, $port)->{violations} // -1;
}

# The violation lines of a service: [pid, syscall] each.
sub kills {
	my ($d, $port) = @_;
	my ($t, @k) = ($d->log_text);
	push @k, [$1, $2] while $t =~
	    /policy violation, killed service=$port \S+ \S+ (?:child|worker)=(\d+) \S+ syscall=(\S+) /g;
	return @k;
}

# Writes the pid the kernel handed out last, so that the next is $pid.
sub next_pid {
	my ($pid) = @_;
	open(my $fh, '>', '/proc/sys/kernel/ns_last_pid') or return 0;
	print $fh $pid - 1;
	return close($fh);
}

sub pid_max { (slurp('/proc/sys/kernel/pid_max') =~ /(\d+)/)[0] // 32768 }

# A process of the test's own, no sinetd's, killed by a filter of its
# own as pid $pid: its record names getppid. True once it was so.
sub foreign_kill {
	my ($pid) = @_;
	next_pid($pid) or return 0;
	my $f = fork() // die "fork: $!";
	if ($f == 0) {
		open(STDOUT, '>', '/dev/null');
		exec($probe, 'foreign') or POSIX::_exit(127);
	}
	waitpid($f, 0);
	return $f == $pid && ($? & 127) == 31;
}

# A kill of the service's child at a pid that a process killed for
# getppid had just before: (the pid, the syscall the kill line names), or
# () when no pid could be had twice in 20 tries.
sub kill_at_reused_pid {
	my ($d) = @_;
	for my $try (1 .. 20) {
		my $want = (slurp('/proc/sys/kernel/ns_last_pid') =~ /(\d+)/)[0]
		    + 400;
		$want = 1000 + $try if $want >= pid_max() - 10;
		next unless foreign_kill($want);
		# Clearly before the next process began, beyond the clock's
		# tick that a record's stamp may lag by.
		sleep(0.2);
		next_pid($want);
		my $before = scalar(kills($d, $p{direct}));
		Sinetd::tcp_talk('127.0.0.1', $p{direct}, undef, timeout => 10);
		wait_for(10, sub { kills($d, $p{direct}) > $before });
		my @k = kills($d, $p{direct});
		return ($want, $k[-1][1]) if @k > $before && $k[-1][0] == $want;
	}
	return ();
}


for my $loaded (0, 1) {
	my $how = $loaded ? 'under load' : 'quiet';
	load_on() if $loaded;
	my $d = Sinetd->start(args => ['-P', "$dir/policy"], conf => $conf);
	unlike($d->log_text, qr/service failed|seccomp rule/,
	    "$how: every service starts");

	subtest "$how: a kill is named by its own record, counted once" => sub {
		my @sub;
		for (1 .. 2) {
			my $out = Sinetd::tcp_talk('127.0.0.1', $p{direct},
			    undef, timeout => 10) // '';
			like($out, qr/(?:clone3=ENOSYS fallback=ok\n){3}thread=ok\nuname=Operation not permitted\nkeyctl=calling\n$/,
			    'the probe fell back from clone3, was refused uname, '
			    . 'and died at keyctl');
			$out = Sinetd::tcp_talk('127.0.0.1', $p{sub}, undef,
			    timeout => 10) // '';
			like($out, qr/keyctl=calling\nsub=(\d+) signal=31\nend\n$/,
			    'and so did the process its child server started');
			push @sub, $1 if $out =~ /sub=(\d+) /;
		}
		for my $k (qw(direct sub)) {
			ok(wait_for(10, sub { kills($d, $p{$k}) >= 2 }),
			    "$k: two kills, two lines");
			my @k = kills($d, $p{$k});
			is(join(' ', map { $_->[1] } @k), 'keyctl keyctl',
			    "$k: each names keyctl, the call the kernel killed for");
			is(violations($d, $p{$k}), 2, "$k: violations=2");
		}
		my @named = map { $_->[0] } kills($d, $p{sub});
		is("@named", "@sub", 'the lines name the processes that died');
		# A refusal's record may be lost to the kernel's audit
		# backlog, busy with the host's: the eperm service (which
		# counts no kill) asks again.
		my $refused = qr/policy refused a call service=(?:$p{direct}|$p{eperm}) \S+ \S+ pid=\d+ comm=probe syscall=uname /;
		for (1 .. 5) {
			last if $d->wait_log($refused, 2);
			Sinetd::tcp_talk('127.0.0.1', $p{eperm}, undef,
			    timeout => 10);
		}
		ok($d->wait_log($refused, 1), 'a refused uname is logged');
		unlike($d->log_text, qr/syscall=clone3/,
		    'glibc\'s clone3 fallback is no event: no line names it');
		sleep(0.5);
		is(violations($d, $p{direct}) + violations($d, $p{sub}), 4,
		    'and no kill is counted twice, later');
		my (undef, $m) = $d->ctl('metrics');
		like($m, qr/^sinetd_violations_total\{service="$p{sub}",[^}]*\} 2$/m,
		    'the metrics say 2 as well');
	};

	subtest "$how: a child server whose worker died" => sub {
		my $s = tcp_connect('127.0.0.1', $p{orphan}) or die;
		my $said = read_some($s, 15, 10);
		is($said, "orphan=waiting\n", 'the child server runs');
		# Once the master has its record (the worker's report of the
		# spawn), which is what makes an adopted child the service's.
		ok(wait_for(10, sub {
			(status_of($d, $p{orphan})->{children} // 0) == 1 }),
		    'and the master knows it');
		my $w = $d->spawner_for($p{orphan});
		ok($w, 'its parent is a worker of the pool');
		kill('KILL', $w) if $w;
		my $out = read_some($s, 1000, 25);
		close($s);
		like($out, qr/^orphan=adopted\nkeyctl=calling\n$/,
		    'its worker died, the master adopted it, and it died at '
		    . 'keyctl');
		ok(wait_for(10, sub { kills($d, $p{orphan}) >= 1 }),
		    'a line for it') or diag($d->log_text);
		is(join(' ', map { $_->[1] } kills($d, $p{orphan})), 'keyctl',
		    'naming keyctl');
		is(violations($d, $p{orphan}), 1, 'counted once');
	};

	subtest "$how: action errno ENOSYS and EPERM apply" => sub {
		like(Sinetd::tcp_talk('127.0.0.1', $p{enosys}, undef,
		    timeout => 10) // '',
		    qr/clone3=ENOSYS fallback=ok\nclone3=ENOSYS fallback=ok\nthread=ok\nkeyctl=calling\nkeyctl=alive Function not implemented\nend\n$/,
		    'errno ENOSYS: keyctl answered ENOSYS, clone3 still falls back');
		like(Sinetd::tcp_talk('127.0.0.1', $p{eperm}, undef,
		    timeout => 10) // '',
		    qr/uname=Operation not permitted\nkeyctl=calling\nkeyctl=alive Operation not permitted\nend\n$/,
		    'errno EPERM beside refuse EPERM: both apply');
		is(violations($d, $p{enosys}) + violations($d, $p{eperm}), 0,
		    'and nothing is counted as a kill');
	};

	subtest "$how: a pid another killed process had" => sub {
		my ($pid, $line) = kill_at_reused_pid($d);
		plan skip_all => 'no pid could be had twice: the host forks '
		    . 'too fast' unless defined $pid;
		is($line, 'keyctl', "child=$pid is named by its own record, "
		    . 'not by the getppid record its pid had before');
	};
	is($d->stop >> 8, 0, "$how: clean stop");

	subtest "$how: a kill whose record is lost says unknown" => sub {
		local $ENV{SINETD_TEST_LOSE_SYSCALL} = $keyctl;
		my $h = Sinetd->start(bin => $hooks,
		    args => ['-P', "$dir/policy"], conf => $conf);
		my ($pid, $line) = kill_at_reused_pid($h);
		SKIP: {
			skip 'no pid could be had twice: the host forks too '
			    . 'fast', 1 unless defined $pid;
			is($line, 'unknown', "child=$pid: syscall=unknown, "
			    . 'not the getppid of the process its pid had before');
		}
		my $n = scalar(kills($h, $p{sub}));
		Sinetd::tcp_talk('127.0.0.1', $p{sub}, undef, timeout => 10);
		ok(wait_for(10, sub { kills($h, $p{sub}) > $n }),
		    'a lost record of a process a child server started: '
		    . 'still a line');
		is((kills($h, $p{sub}))[-1][1], 'unknown', 'which says unknown');
		is(violations($h, $p{sub}), 1, 'and it is counted');
		is($h->stop >> 8, 0, 'clean stop');
	};
	load_off();
}

# Whether the process holds a proc connector socket (NETLINK_CONNECTOR,
# 11 in /proc/net/netlink's Eth column).
sub has_connector {
	my ($pid) = @_;
	my %connector;
	for (split /\n/, slurp("/proc/$pid/net/netlink")) {
		my @f = split ' ';
		$connector{$f[-1]} = 1 if @f >= 10 && $f[1] eq '11';
	}
	opendir(my $dh, "/proc/$pid/fd") or return 0;
	for (readdir($dh)) {
		my $l = readlink("/proc/$pid/fd/$_") // next;
		return 1 if $l =~ /^socket:\[(\d+)\]$/ && $connector{$1};
	}
	return 0;
}

# The host's every fork and exit wakes a master that listens to the proc
# connector: it listens only while an external pool (or what one
# started) may fork.
subtest 'the process events are followed only while an external service may fork' => sub {
	my $echo = free_port();
	my $internal = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n";
	# Under -l the internal workers fork resolvers: theirs, not a
	# pool's child servers, so they must not keep it listening.
	write_file("$dir/hosts.allow", '');
	write_file("$dir/hosts.deny", '');
	my $d = Sinetd->start(args => ['-P', "$dir/policy", '-l', '-o',
	    "hosts-allow=$dir/hosts.allow", '-o', "hosts-deny=$dir/hosts.deny"],
	    conf => $internal);
	ok(!has_connector($d->pid), 'internal services only: no proc connector');
	my ($subline) = grep { /^127\.0\.0\.1:$p{sub} / } split /\n/, $conf;
	# With it, an internal pool whose workers start (and fork their
	# resolvers) while the events are followed.
	$internal .= "127.0.0.1:" . free_port() . " stream tcp nowait nobody internal daytime\n";
	write_file($d->{conf}, $internal . "$subline\n");
	$d->ctl('reload');
	ok(has_connector($d->pid), 'an external service added: it listens');
	my $out = Sinetd::tcp_talk('127.0.0.1', $p{sub}, undef, timeout => 10) // '';
	like($out, qr/sub=(\d+) signal=31\n/, 'a process its child server started is killed');
	ok(wait_for(10, sub { kills($d, $p{sub}) >= 1 }), 'and its kill is a line');
	is((kills($d, $p{sub}))[0][1], 'keyctl', 'naming keyctl: it was followed from its fork');
	write_file($d->{conf}, $internal);
	$d->ctl('reload');
	ok(wait_for(15, sub { !has_connector($d->pid) }),
	    'the external service removed and its pool gone: it stops listening');
	is(Sinetd::tcp_talk('127.0.0.1', $echo, "e\n", half_close => 1), "e\n",
	    'echo serves on');
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
