# SPDX-License-Identifier: ISC
# How sinetd ships: the sd_notify messages systemd waits for, in order;
# the unit; make install into a DESTDIR tree and make uninstall out of it,
# keeping the configuration an administrator changed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Cwd ();
use File::Find;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Socket qw(AF_UNIX SOCK_DGRAM pack_sockaddr_un);
use Test::More;
use Sinetd;

my $top = "$FindBin::Bin/..";

# A notify socket like systemd's: datagrams, one state change each.
sub notify_socket {
	my ($path) = @_;
	socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
	# An abstract name is as long as it is, not padded to sun_path.
	my $sa = $path =~ /^\0/ ? pack('S', AF_UNIX) . $path
	    : pack_sockaddr_un($path);
	bind($s, $sa) or die "bind: $!";
	return $s;
}

sub next_message {
	my ($s, $timeout) = @_;
	return undef unless IO::Select->new($s)->can_read($timeout // 10);
	recv($s, my $buf, 4096, 0);
	return $buf;
}

for my $abstract (0, 1) {
	subtest 'sd_notify: READY, RELOADING, READY, STOPPING'
	    . ($abstract ? ' (abstract socket)' : '') => sub {
		my $dir = tempdir(CLEANUP => 1);
		my $name = $abstract ? "\0sinetd-test-$$" : "$dir/notify";
		(my $env = $name) =~ s/^\0/\@/;
		my $s = notify_socket($name);
		my $echo = free_port();
		my $d = Sinetd->start(refresh => 1, 
		    conf => "127.0.0.1:$echo stream tcp nowait nobody internal echo\n",
		    before_exec => sub {
			$ENV{NOTIFY_SOCKET} = $env;
		    });
		my $pid = $d->pid;
		is(next_message($s), "READY=1\nSTATUS=serving 1 of 1 services; "
		    . "last reload: none since start\nMAINPID=$pid",
		    'READY=1 once serving, with the STATUS= text');
		is(tcp_talk('127.0.0.1', $echo, "a\n", half_close => 1), "a\n",
		    'and it serves');
		kill('HUP', $pid);
		like(next_message($s),
		    qr/^RELOADING=1\nMAINPID=$pid\nMONOTONIC_USEC=\d+$/,
		    'RELOADING=1 with MONOTONIC_USEC on SIGHUP');
		my $done = "READY=1\nSTATUS=serving 1 of 1 services; last "
		    . "reload: done: kept=1 changed=0 added=0 removed=0 "
		    . "failed=0\nMAINPID=$pid";
		is(next_message($s), $done,
		    'READY=1 once the reload is done, and how it went');
		my ($rc) = $d->ctl('reload');
		is($rc, 0, 'sinetctl reload');
		like(next_message($s), qr/^RELOADING=1\n/, 'RELOADING=1 again');
		is(next_message($s), $done, 'READY=1 again');
		write_file($d->{conf}, "127.0.0.1:$echo stream tcp nowait nobody internal bogus\n");
		kill('HUP', $pid);
		ok($d->wait_log(qr/reload refused/), 'a refused reload');
		like(next_message($s), qr/^STATUS=serving 1 of 1 services; last reload: refused: \Q$d->{conf}\E:1: arguments: unknown builtin "bogus"/,
		    'says only its STATUS=, with file:line');
		($rc) = $d->ctl('-k', 'status');
		kill('TERM', $pid);
		is(next_message($s), "STOPPING=1\nMAINPID=$pid",
		    'then STOPPING=1 on SIGTERM');
		is($d->stop >> 8, 0, 'clean stop');
		is(next_message($s, 0.5), undef, 'and nothing after');
	};
}

# Messages until $timeout seconds of silence, or $max of them.
sub drain_messages {
	my ($s, $timeout, $max) = @_;
	my @m;
	while (!defined $max || @m < $max) {
		my $m = next_message($s, $timeout) // last;
		push @m, $m;
	}
	return @m;
}

subtest 'WatchdogSec=: WATCHDOG=1 from the loop, and not while it is stopped' => sub {
	my $dir = tempdir(CLEANUP => 1);
	my $s = notify_socket("$dir/notify");
	my $echo = free_port();
	# 300 ms: a ping every 150 ms.
	my $d = Sinetd->start(refresh => 1, 
	    conf => "127.0.0.1:$echo stream tcp nowait nobody internal echo\n",
	    before_exec => sub {
		$ENV{NOTIFY_SOCKET} = "$dir/notify";
		$ENV{WATCHDOG_USEC} = 300000;
		$ENV{WATCHDOG_PID} = $$;
	    });
	my $pid = $d->pid;
	ok($d->wait_log(qr/watchdog: pinging systemd at half its interval every=150ms/),
	    'the interval is read, and said');
	my $pings = 0;
	ok(wait_for(10, sub {
		$pings += grep { $_ eq 'WATCHDOG=1' } drain_messages($s, 0.05, 10);
		$pings >= 3;
	    }), 'WATCHDOG=1 arrives, again and again');
	my @w = $d->workers;
	ok(@w >= 1, 'a worker');
	ok(!grep({ slurp("/proc/$_/environ") =~ /(?:^|\0)WATCHDOG_/ } @w),
	    'no worker inherits WATCHDOG_USEC or WATCHDOG_PID');
	kill('STOP', $pid);
	ok(wait_for(10, sub { (proc_status($pid, 'State') // '') =~ /^T/ }),
	    'the master is stopped');
	drain_messages($s, 0.3);	# what it sent before it stopped
	# Ten intervals of silence: a hung master stops pinging.
	my @while = grep { $_ eq 'WATCHDOG=1' } drain_messages($s, 1.5);
	is(scalar(@while), 0, 'no WATCHDOG=1 while the master is stopped');
	kill('CONT', $pid);
	my $back = next_message($s, 10);
	is($back, 'WATCHDOG=1', 'and it resumes once continued');
	is(tcp_talk('127.0.0.1', $echo, "a\n", half_close => 1), "a\n",
	    'the service served on');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'STATUS= counts what serves, and an edit refused by refresh' => sub {
	my $dir = tempdir(CLEANUP => 1);
	my $s = notify_socket("$dir/notify");
	my ($echo, $held) = (free_port(), free_port());
	my $holder = IO::Socket::IP->new(LocalHost => '127.0.0.1',
	    LocalPort => $held, Proto => 'tcp', Listen => 1, ReuseAddr => 1)
	    or die "listen: $!";
	my $conf = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$held stream tcp nowait nobody internal echo\n";
	my $d = Sinetd->start(refresh => 1, conf => $conf, before_exec => sub {
		$ENV{NOTIFY_SOCKET} = "$dir/notify";
	    });
	like(next_message($s), qr/^READY=1\nSTATUS=serving 1 of 2 services; /,
	    'one of two serves, its port taken');
	write_file("$d->{conf}.new", "${conf}127.0.0.1:$held stream tcp nowait\n");
	rename("$d->{conf}.new", $d->{conf}) or die;
	like(next_message($s), qr/^STATUS=serving 1 of 2 services; last reload: refused: \Q$d->{conf}\E:3: /,
	    'an edit the refresh refuses is in the STATUS= text');
	close($holder);
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'WATCHDOG_PID of another process: no pings' => sub {
	my $dir = tempdir(CLEANUP => 1);
	my $s = notify_socket("$dir/notify");
	my $d = Sinetd->start(refresh => 1, conf => '', before_exec => sub {
		$ENV{NOTIFY_SOCKET} = "$dir/notify";
		$ENV{WATCHDOG_USEC} = 200000;
		$ENV{WATCHDOG_PID} = 1;
	    });
	like(next_message($s), qr/^READY=1\n/, 'READY=1');
	ok($d->wait_log(qr/watchdog: WATCHDOG_PID names another process, not pinging/),
	    'it says why');
	my @m = drain_messages($s, 1);
	is(scalar(grep { $_ eq 'WATCHDOG=1' } @m), 0, 'and sends none');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest '-d: each line on stderr begins with its RFC 3339 UTC time' => sub {
	my $before = time;
	my $d = Sinetd->start(refresh => 1, conf => '');
	is($d->stop >> 8, 0, 'clean stop');
	my @lines = split /\n/, $d->log_text;
	ok(@lines >= 2, 'lines were logged');
	my @bad = grep { !/^$LOG_HEAD/ } @lines;
	is(scalar(@bad), 0, 'every one stamped') or diag(join("\n", @bad));
	my ($y, $mo, $dd, $h, $mi, $sec) = $lines[0] =~
	    /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{3}Z /;
	require Time::Local;
	my $t = Time::Local::timegm($sec, $mi, $h, $dd, $mo - 1, $y);
	ok(abs($t - $before) < 120, 'in UTC, now') or diag("$t vs $before");
};

subtest 'the unit' => sub {
	my $unit = slurp("$top/etc/sinetd.service");
	like($unit, qr/^Type=notify$/m, 'Type=notify');
	like($unit, qr{^ExecStart=/usr/sbin/sinetd -i \$OPTIONS$}m,
	    'sinetd -i, with $OPTIONS');
	like($unit, qr{^ExecStartPre=-/usr/sbin/sinetd -n \$OPTIONS$}m,
	    'the check with the same $OPTIONS, which never blocks the start ("-")');
	like($unit, qr{^EnvironmentFile=-/etc/default/sinetd$}m,
	    'from /etc/default/sinetd, if it is there');
	like($unit, qr{^WatchdogSec=\d+s$}m, 'a watchdog');
	like($unit, qr/^ExecReload=\S*kill -HUP \$MAINPID$/m,
	    'ExecReload sends SIGHUP');
	like($unit, qr/^KillMode=process$/m,
	    'KillMode=process: the child servers outlive a stop');
	unlike($unit, qr/libsystemd/, 'no libsystemd');
	my $ldd = `ldd '${\ sinetd_bin()}' 2>&1`;
	unlike($ldd, qr/libsystemd/, 'the daemon does not link libsystemd');
    SKIP: {
		skip 'no systemd-analyze', 1
		    if system('command -v systemd-analyze >/dev/null 2>&1');
		my $out = `systemd-analyze verify --man=no '$top/etc/sinetd.service' 2>&1`;
		unlike($out, qr/Unknown (key|section)|Invalid|Failed to parse/i,
		    'systemd-analyze verify') or diag($out);
	}
};

# The shipped inetd.conf (the Debian package's postinst installs it where
# there is none): update-inetd's layout, which the packages that serve
# from it expect, and nothing a package would take for the user's.
subtest 'etc/inetd.conf' => sub {
	my $text = slurp("$top/etc/inetd.conf");
	my @labels = $text =~ /^#:([A-Z-]+):/mg;
	is("@labels", 'INTERNAL STANDARD BSD MAIL INFO BOOT RPC HAM-RADIO OTHER',
	    'openbsd-inetd\'s #:LABEL: sections, in its order');
	ok(!grep({ /^[^#\s]/ } split /\n/, $text), 'no service on');
	# talkd's postinst adds its line commented out when one matches ^#.
	ok($text !~ /^#(?!<off>#)\s*\S+\s+(?:stream|dgram|seqpacket)\s/m,
	    'no entry commented out with a single "#"');
	my @off = $text =~ /^#<off># (\S+\s.*)$/mg;
	is(join(' ', sort map { (split ' ')[0] } @off),
	    'chargen daytime discard discard echo time',
	    'the internal services off as "#<off>#", which --enable turns on');
	ok(!grep({ !/\sinternal$/ } @off), 'and nothing else');
	my $dir = tempdir(CLEANUP => 1);
	write_file("$dir/on.conf", join("\n", @off) . "\n");
	is(`'${\ sinetd_bin()}' -n -P '$top/policy' '$dir/on.conf' 2>&1`,
	    "configuration OK\n", 'each line, switched on, passes sinetd -n');

    SKIP: {
		my $tool = '/usr/sbin/update-inetd';
		skip "no $tool (Debian's update-inetd package; make check "
		    . 'installs it)', 4 unless -x $tool;
		# As fingerd's maintainer scripts call it; it must wake no
		# inetd of this host.
		local $ENV{UPDATE_INETD_FAKE_IT} = 1;
		local $ENV{DEBIAN_FRONTEND} = 'noninteractive';
		my $conf = "$dir/inetd.conf";
		write_file($conf, $text);
		my $out = `$tool --verbose --file '$conf' --group INFO --add 'finger\t\tstream\ttcp\tnowait\tnobody\t/usr/sbin/tcpd\t/usr/sbin/in.fingerd' 2>&1`;
		like($out, qr/Processing service 'finger' \.\.\. added/,
		    'update-inetd --add: added, not "commented out by user"')
		    or diag($out);
		like(slurp($conf), qr/^#:INFO: Info services\nfinger\t/m,
		    'into its section');
		`$tool --file '$conf' --enable echo 2>&1`;
		`$tool --file '$conf' --pattern '/usr/sbin/in\\.fingerd' --disable finger 2>&1`;
		my $now = slurp($conf);
		ok($now =~ /^echo\s+stream/m && $now =~ m{^#<off># finger\s}m,
		    '--enable echo and --disable finger edit it as they should');
		my $check = `'${\ sinetd_bin()}' -n -P '$top/policy' '$conf' 2>&1`;
		is($check, "configuration OK\n", 'which sinetd -n passes')
		    or diag($check);
	}
};

subtest 'make install DESTDIR=... and make uninstall' => sub {
	plan skip_all => 'no make' if system('command -v make >/dev/null');
	my $dest = tempdir(CLEANUP => 1);
	# The same build: this run's flags and directory, not the jobserver.
	local $ENV{MAKEFLAGS} = join(' ', grep { !/^-?-j|jobserver/ }
	    split(' ', $ENV{MAKEFLAGS} // ''));
	delete local $ENV{MFLAGS};
	delete local $ENV{MAKELEVEL};
	# Run by prove alone, there is no MAKEFLAGS: the build's own flags
	# say whether it was sanitized, or make would rebuild it plain under
	# the tests still running.
	my $san = slurp(build_dir() . '/.flags') =~ /-fsanitize/ ?
	    ' SANITIZE=1' : '';
	# PREFIX=/usr, as a package builds it: the master knows where its
	# worker is installed, so it is relinked for it. Not in the build the
	# other tests run: in a copy, where only the file that knows the
	# paths is compiled again (cp -p keeps the objects newer than the
	# sources).
	my $b = tempdir(DIR => build_dir(), CLEANUP => 1);
	system('cp', '-Rp', map({ build_dir() . "/$_" } qw(obj gen .flags
	    .deps-build)), $b) == 0 or die "cp: $?";
	my $make = "make -s -C '$top' BUILD='$b' DESTDIR='$dest' "
	    . "PREFIX=/usr$san";
	my $out = `$make install 2>&1`;
	is($?, 0, 'make install') or diag($out);
	my @want = (qw(usr/sbin/sinetd usr/sbin/sinetctl
	    usr/libexec/sinetd/sinetd-worker
	    usr/share/man/man8/sinetd.8 usr/share/man/man8/sinetctl.8
	    usr/share/man/man5/sinetd.conf.5 usr/share/man/man5/sinetd.policy.5
	    usr/lib/systemd/system/sinetd.service etc/inetd.conf
	    usr/share/bash-completion/completions/sinetctl
	    usr/share/doc/sinetd/README.md
	    usr/share/doc/sinetd/examples/inetd.conf
	    usr/share/doc/sinetd/examples/sinetd.conf),
	    map { ("etc/sinetd/$_", "usr/share/doc/sinetd/examples/$_") }
	    map { m{(policy/[^/]+)$} } glob("$top/policy/*.policy"));
	ok(-f "$dest/$_", $_) for @want;
	my %expected = map { $_ => 1 } @want;
	my @extra;
	find(sub { return if $File::Find::name eq $dest;
	    my $rel = substr($File::Find::name, length($dest) + 1);
	    push @extra, $rel if -f $_ && !$expected{$rel}; },
	    $dest);
	is("@extra", '', 'and nothing else');
	is((stat("$dest/usr/sbin/sinetd"))[2] & 07777, 0755, 'sinetd is 0755');
	is((stat("$dest/usr/libexec/sinetd/sinetd-worker"))[2] & 07777, 0755,
	    'sinetd-worker is 0755');
	my $bin = slurp("$dest/usr/sbin/sinetd");
	ok(index($bin, "/usr/libexec\0") >= 0 && index($bin, "/usr/sbin\0") >= 0,
	    'the master knows PREFIX=/usr');
	is(`'$dest/usr/libexec/sinetd/sinetd-worker' -V`,
	    `'${\ build_dir()}/sinetd-worker' -V`,
	    'the worker installed is of the same build');
	my $port = free_port();
	my $d = Sinetd->start(bin => "$dest/usr/sbin/sinetd", conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n",
	    args => ['-o', 'workers=1']);
	my ($w) = $d->workers;
	is(readlink("/proc/$w/exe"),
	    Cwd::abs_path("$dest/usr/libexec/sinetd/sinetd-worker"),
	    'run from DESTDIR, the master runs the worker installed beside it');
	is(tcp_talk('127.0.0.1', $port, "a\n", half_close => 1), "a\n",
	    'which serves');
	is($d->stop >> 8, 0, 'clean stop');
	is((stat("$dest/etc/sinetd/policy/tftp.policy"))[2] & 07777, 0644,
	    'a policy is 0644');
	like(slurp("$dest/usr/lib/systemd/system/sinetd.service"),
	    qr{^ExecStart=/usr/sbin/sinetd -i \$OPTIONS$}m,
	    'the unit runs the installed sinetd');
	is(slurp("$dest/etc/inetd.conf"), slurp("$top/etc/inetd.conf"),
	    'the example inetd.conf');
	ok(system("'$dest/usr/sbin/sinetctl' -h >/dev/null") == 0,
	    'the installed sinetctl runs');

	# The administrator's changes survive a reinstall and an uninstall.
	write_file("$dest/etc/sinetd/policy/tftp.policy", "# mine\n");
	$out = `$make install 2>&1`;
	is($?, 0, 'make install again');
	like($out, qr{kept \S+/etc/sinetd/policy/tftp\.policy}, 'says it kept mine');
	is(slurp("$dest/etc/sinetd/policy/tftp.policy"), "# mine\n", 'and did');
	$out = `$make uninstall 2>&1`;
	is($?, 0, 'make uninstall') or diag($out);
	my @left;
	find(sub { push @left, substr($File::Find::name, length($dest) + 1)
	    if -f $_ && $File::Find::name ne $dest }, $dest);
	is("@left", 'etc/sinetd/policy/tftp.policy',
	    'removes everything but the changed policy');
	unlink("$dest/etc/sinetd/policy/tftp.policy");
	$out = `$make uninstall 2>&1`;
	is($?, 0, 'uninstall again is harmless');
	ok(!-e "$dest/etc/sinetd", 'and the empty policy directory goes');
	ok(!-e "$dest/usr/libexec/sinetd", 'and the worker\'s directory');
};

# A production host: make install runs no apt-get, whatever is missing.
# A build directory of its own, and a build dependency that no host has;
# an apt-get earlier in PATH that only notes it was called.
subtest 'make install never runs apt-get' => sub {
	plan skip_all => 'no make or dpkg-query'
	    if system('command -v make >/dev/null && command -v dpkg-query >/dev/null');
	my $dir = tempdir(CLEANUP => 1);
	mkdir("$dir/bin");
	write_file("$dir/bin/apt-get", "#!/bin/sh\necho \"\$@\" >> $dir/apt-called\n");
	chmod(0755, "$dir/bin/apt-get");
	local $ENV{PATH} = "$dir/bin:$ENV{PATH}";
	local $ENV{MAKEFLAGS} = '';
	delete local $ENV{MAKELEVEL};
	my $cmd = "make -s -C '$top' BUILD='$dir/build' DESTDIR='$dir/dest' "
	    . 'BUILD_DEPS=sinetd-no-such-package install 2>&1';
	my $out = `$cmd`;
	isnt($? >> 8, 0, 'it fails') or diag($out);
	like($out, qr/missing packages: sinetd-no-such-package \(make install installs none: run make deps\)/,
	    'saying what is missing and how to get it');
	ok(!-e "$dir/apt-called", 'and apt-get was not run')
	    or diag(slurp("$dir/apt-called"));
};

done_testing();
