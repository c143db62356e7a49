# SPDX-License-Identifier: ISC
# The escape corpus: an attacker's child server (t/helper/escape.c) under
# each configuration that matters (default.policy as root and as nobody,
# every shipped policy of a root service, the dynamically linked build)
# tries every way out it knows, and each attempt is one assertion that
# the wall held. A second session of the same service is the sibling it
# attacks, an internal echo worker is the other service's worker, and a
# process of this test's (root, outside sinetd) is the decoy that a SIGIO
# may reach. Nothing is harmed when a wall is missing: see escape.c.
# Afterwards the master runs, unstopped, and the files it trusts are
# byte for byte what they were.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Test::More;
use Sinetd;

plan skip_all => 'the escape corpus needs root (root services, users)'
    if !privileged();
my $static = build_dir() . '/t/escape';
my $dynamic = build_dir() . '/t/escape-dyn';
plan skip_all => 'no build/t/escape or build/t/escape-dyn '
    . '(make build/t/escape build/t/escape-dyn)'
    unless -x $static && -x $dynamic;

my $top = "$FindBin::Bin/..";
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
my $poldir = "$dir/policy";
mkdir($poldir);
chmod(0755, $poldir);
for my $f (qw(default internal)) {
	write_file("$poldir/$f.policy", $f eq 'default' ? default_policy() :
	    slurp("$top/policy/$f.policy"));
}

my (@held, $decoy);
END {
	my $saved = $?;
	kill('KILL', $decoy) if $decoy;
	waitpid($decoy, 0) if $decoy;
	for my $pid (@held) {
		kill('KILL', $pid) if pid_alive($pid) && cmdline($pid) =~ /escape/;
	}
	$? = $saved;
}

# The decoy: notes the time of every SIGUSR1 it gets.
my $decoy_log = "$dir/decoy.log";
write_file($decoy_log, '');
$decoy = fork() // die "fork: $!";
if ($decoy == 0) {
	$0 = 'escape-decoy';
	# SIGCONT: kill_all's kill(-1, SIGCONT).
	$SIG{USR1} = $SIG{CONT} = sub {
		open(my $fh, '>>', $decoy_log) or return;
		printf $fh "%.6f\n", time;
		close($fh);
	};
	POSIX::pause() while 1;
	POSIX::_exit(0);
}

# name => [user, program, shipped policy or undef for default.policy]
my @configs = (
	[ 'default-root', 'root', $static, undef ],
	[ 'default-nobody', 'nobody', $static, undef ],
	(map { [ "$_-root", 'root', $static, $_ ] }
	    qw(telnet ftp login shell exec uucp tftp)),
	[ 'default-root-dynamic', 'root', $dynamic, undef ],
);
# SINETD_ESCAPE_ABI=N (t/91-escape-abiN.t): the corpus again with sinetd
# using no Landlock ABI above N, as on an older kernel, under the
# configurations that differ; what that level cannot close (sinetd(8),
# SECURITY CONSIDERATIONS) is asserted open, so a change either way shows.
my $abi = $ENV{SINETD_ESCAPE_ABI};
# Below ABI 6 the filter keeps signals and SIGIO off the master and the
# worker only: other processes of the same user stay reachable (a root
# child and the root decoy; siblings of one user).
my %below6 = (
	abstract_sibling => [ qr/./, 'no abstract-socket scope' ],
	kill_sibling => [ qr/./, 'no signal scope: the same user' ],
	# The internal worker has a uid of its own: only a child that keeps
	# kill (telnet.policy, for hang-up) may signal another user's.
	kill_other_worker => [ qr/telnet/, 'no signal scope, and telnet.policy ' .
	    'keeps kill' ],
	sigio_decoy => [ qr/root/, 'no signal scope: the same user' ],
);
my %open_at = (
	2 => { %below6 },
	0 => { %below6, proc_mem_sibling => [ qr/./,
	    'no domain of its own without Landlock' ] },
);
if (defined $abi) {
	plan skip_all => "no open-list for Landlock ABI $abi"
	    unless $open_at{$abi};
	@configs = grep { $_->[0] =~ /^(default-root|default-nobody|telnet-root)$/ }
	    @configs;
}
# Granted on purpose: in.ftpd chroots anonymous users and in.tftpd -s
# chroots itself, so their policies name sys_chroot (sinetd.policy(5)).
# uucp.policy says no-new-privileges no, for setuid uucico: its sessions
# share their worker's Landlock domain, so a sibling of the same user is
# in reach (sinetd.policy(5), no-new-privileges, says so). One worker a
# pool (-o workers=1), so that the sibling is under the same worker, as
# two sessions may always be: the case at its worst, every run.
my %granted = (
	'ftp-root' => { chroot => 'sys_chroot, for its chroot' },
	'tftp-root' => { chroot => 'sys_chroot, for -s' },
	'uucp-root' => {
		kill_sibling => 'no-new-privileges no: one domain per worker',
		proc_mem_sibling => 'no-new-privileges no: one domain per worker',
		abstract_sibling => 'no-new-privileges no: one domain per worker',
	},
);
my (%port, $conf);
for my $c (@configs) {
	my ($name, $user, $prog, $policy) = @$c;
	my $p = $port{$name} = free_port();
	if (defined $policy) {
		my $text = slurp("$top/policy/$policy.policy");
		# tftp.policy lets only in.tftpd be executed: the probe too,
		# for it stands in for that server here.
		$text .= "\n# The test's stand-in for the server.\nfs-exec $prog\n"
		    if $text =~ /^fs-exec /m;
		write_file("$poldir/$p.policy", $text);
	}
	$conf .= "127.0.0.1:$p stream tcp nowait $user $prog escape\n";
}
my $echo = free_port();
$conf .= "127.0.0.1:$echo stream tcp nowait nobody internal echo\n";

my $started = time;
# The control socket where sinetd keeps it by default: /run/sinetd, the
# directory every pool's namespace hides.
my @cap = defined $abi ? ('-o', "landlock-abi=$abi") : ();
my $d = Sinetd->start(dir => $dir, args => ['-P', $poldir, '-o', 'workers=1', @cap],
    conf => $conf, ctl_socket => "/run/sinetd/t91-$$.sock");
my $master = $d->pid;
my $other = wait_for(5, sub { $d->worker_for($echo) });
ok($other, "the echo service's worker: pid " . ($other // 'none'));

# What the master trusts, as it was before any attempt.
sub policy_files {
	opendir(my $dh, $poldir) or return {};
	return { map { $_ => slurp("$poldir/$_") } grep { !/^\.\.?$/ }
	    readdir($dh) };
}
my %before = (
	conf => slurp($d->{conf}), pidfile => slurp($d->{pidfile}),
	# root's entry: other tests (t/93) add users while this one runs.
	passwd => (slurp('/etc/passwd') =~ /^(root:.*)$/m)[0],
	core_pattern => slurp('/proc/sys/kernel/core_pattern'),
);
my $policies_before = policy_files();
ok(length($before{pidfile}) > 0, 'the pidfile is written');

sub read_line {
	my ($sock, $timeout) = @_;
	my $sel = IO::Select->new($sock);
	my $buf = '';
	while ($buf !~ /\n/ && $sel->can_read($timeout)) {
		my $n = sysread($sock, $buf, 256, length($buf));
		last unless $n;
	}
	return $buf;
}

# Every line of a probe session, until "done" or EOF.
sub read_probe {
	my ($sock, $timeout) = @_;
	my $sel = IO::Select->new($sock);
	my $end = time + $timeout;
	my $buf = '';
	while ($buf !~ /^done \d+ \d+$/m && time < $end) {
		last unless $sel->can_read($end - time);
		my $n = sysread($sock, $buf, 65536, length($buf));
		last unless $n;
	}
	return $buf;
}

sub probes_running {
	opendir(my $dh, '/proc') or return;
	return grep { my $e = readlink("/proc/$_/exe") // '';
	    $e eq $static || $e eq $dynamic } grep { /^\d+$/ } readdir($dh);
}

sub decoy_times {
	return map { $_ + 0 } grep { /^\d/ } split /\n/, slurp($decoy_log);
}

my ($all_refused, $all) = (0, 0);
my @summary;
for my $c (@configs) {
	my ($name) = @$c;
	my $p = $port{$name};
	subtest $name => sub {
		my $h = tcp_connect('127.0.0.1', $p);
		ok($h, 'the hold session connects') or return;
		syswrite($h, "hold\n");
		my ($sib) = read_line($h, 5) =~ /^held pid=(\d+)$/m;
		ok($sib, 'the hold session says its pid')
		    or return;
		push @held, $sib;
		my $s = tcp_connect('127.0.0.1', $p);
		ok($s, 'the probe connects') or return;
		syswrite($s, join(' ', 'probe', $master, $decoy,
		    $d->ctl_socket, $d->{conf}, $poldir, $d->{pidfile}, $sib,
		    $other // 0) . "\n");
		my $out = read_probe($s, 60);
		close($s);
		my ($n_ref, $n_all) = $out =~ /^done (\d+) (\d+)$/m;
		my @attempts;
		while ($out =~ /^attempt (\S+) (refused|ESCAPED|sent) ?(.*)$/mg) {
			push @attempts, [ $1, $2, $3 ];
		}
		ok(defined $n_all && $n_all == @attempts && @attempts > 0,
		    'the probe ran to its end: ' . scalar(@attempts)
		    . ' attempts' . (defined $n_all ? ", done $n_ref $n_all" :
		    ', no done line'))
		    or diag("probe said:\n$out");

		# A SIGIO attempt is refused unless the decoy noted a SIGUSR1
		# after it was sent and before the next one (within 1 s).
		my @sent = grep { $_->[1] eq 'sent' } @attempts;
		my @t = map { $_->[2] =~ /\bt=(\d+\.\d+)/ ? $1 : undef } @sent;
		my ($last) = sort { $b <=> $a } grep { defined } @t;
		sleep($last + 1 - time) if defined $last && $last + 1 > time;
		my @got = decoy_times();
		for my $i (0 .. $#sent) {
			my $from = $t[$i];
			my $to = defined $from ? $from + 1 : undef;
			$to = $t[$i + 1] if $i < $#sent && defined $t[$i + 1]
			    && defined $to && $t[$i + 1] < $to;
			my $hit = defined $from &&
			    grep { $_ >= $from - 0.005 && $_ < $to } @got;
			$sent[$i][1] = $hit ? 'ESCAPED' : 'refused';
			$sent[$i][2] .= $hit ? ': the decoy got it' :
			    ': the decoy got nothing';
		}

		my ($refused, $counted) = (0, 0);
		for my $a (@attempts) {
			my ($what, $verdict, $detail) = @$a;
			# What a shipped policy grants by name, and its man page
			# says what it costs: asserted to work, so the test
			# would notice the policy losing it, and not counted.
			my $o = defined $abi ? $open_at{$abi}{$what} : undef;
			if (my $why = $granted{$name}{$what} //
			    ($o && $name =~ $o->[0] ? $o->[1] : undef)) {
				ok($verdict eq 'ESCAPED',
				    "$name: $what open here ($why)");
				next;
			}
			$counted++;
			$refused++ if $verdict eq 'refused';
			ok($verdict eq 'refused', "$name: $what refused")
			    ? note("  $name: $what refused: $detail")
			    : diag("  $name: $what ESCAPED: $detail");
		}
		push @summary, "$name: $refused of $counted attempts refused";
		diag($summary[-1]);
		$all_refused += $refused;
		$all += $counted;

		close($h);
		ok(wait_for(3, sub { !pid_alive($sib) }),
		    'the hold session ends with its connection');
	};
}

diag("$all_refused of $all attempts refused");

subtest 'after the corpus' => sub {
	ok(pid_alive($master), 'the master is alive');
	my $state = proc_status($master, 'State') // '';
	unlike($state, qr/^[TtZ]/, "and not stopped ($state)");
	is(slurp($d->{pidfile}), $before{pidfile}, 'the pidfile is unchanged');
	is(slurp($d->{conf}), $before{conf}, 'the configuration is unchanged');
	is_deeply(policy_files(), $policies_before,
	    'the policy directory is unchanged, file for file');
	is((slurp('/etc/passwd') =~ /^(root:.*)$/m)[0], $before{passwd},
	    "/etc/passwd's root entry is unchanged");
	is(slurp('/proc/sys/kernel/core_pattern'), $before{core_pattern},
	    'core_pattern is unchanged');
	my ($rc, $out) = $d->ctl('-k', 'status');
	is($rc, 0, 'and it still answers its control socket');
	# A monitoring agent sandboxed elsewhere: a mount namespace of its
	# own, without the pools' mark, is answered.
	SKIP: {
		skip 'no unshare(1)', 1
		    if system('command -v unshare >/dev/null') != 0;
		my $ctl = build_dir() . '/sinetctl';
		my $agent = `unshare -m --propagation private $ctl -S @{[
		    $d->ctl_socket ]} -k status 2>&1`;
		is($? >> 8, 0, 'an agent in a namespace of its own reads status')
		    or diag($agent);
	}
	# No hold session, attempt or fork-bomb child is left behind.
	# (a bound, generous for a loaded machine: the probes end on their own)
	my @left = wait_for(15, sub { !probes_running() }) ? () :
	    probes_running();
	is("@left", '', 'no process of the probe is left');
};
note(sprintf('the corpus took %.1f s', time - $started));

is($d->stop >> 8, 0, 'clean stop');
done_testing();
