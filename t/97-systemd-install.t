# How sinetd ships: the sd_notify messages systemd waits for, in order;
# the unit; make install into a DESTDIR tree and make uninstall out of it,
# keeping the configuration an administrator changed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Find;
use File::Temp qw(tempdir);
use IO::Select;
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
		my $d = Sinetd->start(
		    conf => "127.0.0.1:$echo stream tcp nowait nobody internal echo\n",
		    before_exec => sub {
			$ENV{NOTIFY_SOCKET} = $env;
		    });
		my $pid = $d->pid;
		is(next_message($s), "READY=1\nMAINPID=$pid", 'READY=1 once serving');
		is(tcp_talk('127.0.0.1', $echo, "a\n", half_close => 1), "a\n",
		    'and it serves');
		kill('HUP', $pid);
		like(next_message($s),
		    qr/^RELOADING=1\nMAINPID=$pid\nMONOTONIC_USEC=\d+$/,
		    'RELOADING=1 with MONOTONIC_USEC on SIGHUP');
		is(next_message($s), "READY=1\nMAINPID=$pid",
		    'READY=1 once the reload is done');
		my ($rc) = $d->ctl('reload');
		is($rc, 0, 'sinetctl reload');
		like(next_message($s), qr/^RELOADING=1\n/, 'RELOADING=1 again');
		is(next_message($s), "READY=1\nMAINPID=$pid", 'READY=1 again');
		write_file($d->{conf}, "127.0.0.1:$echo stream tcp nowait nobody internal bogus\n");
		kill('HUP', $pid);
		ok($d->wait_log(qr/reload refused/), 'a refused reload');
		($rc) = $d->ctl('-k', 'status');
		kill('TERM', $pid);
		is(next_message($s), "STOPPING=1\nMAINPID=$pid",
		    'sends nothing; then STOPPING=1 on SIGTERM');
		is($d->stop >> 8, 0, 'clean stop');
		is(next_message($s, 0.5), undef, 'and nothing after');
	};
}

subtest 'the unit' => sub {
	my $unit = slurp("$top/etc/sinetd.service");
	like($unit, qr/^Type=notify$/m, 'Type=notify');
	like($unit, qr{^ExecStart=/usr/sbin/sinetd -i$}m, 'sinetd -i');
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

# The example configuration: every classic sub-server off, each beside a
# shipped policy, and the file valid once a line is switched on.
subtest 'etc/inetd.conf' => sub {
	my $text = slurp("$top/etc/inetd.conf");
	my @lines = $text =~ /^#(\w+\s+(?:stream|dgram)\s.*)$/mg;
	my %names = map { (split ' ')[0] => 1 } @lines;
	for my $s (qw(biff ftp finger login exec shell talk ntalk telnet
	    tftp uucp)) {
		ok($names{$s}, "$s is there");
		ok(-f "$top/policy/$s.policy", "beside policy/$s.policy");
	}
	ok(!grep({ /^\w/ } split /\n/, $text), 'every line is commented out');
	like($text, qr/cleartext/, 'and it says why the password services stay off');
	my $dir = tempdir(CLEANUP => 1);
	write_file("$dir/all.conf", join("\n", @lines) . "\n");
	my $out = `'${\ sinetd_bin()}' -n -P '$top/policy' '$dir/all.conf' 2>&1`;
	is($?, 0, 'every line, switched on, passes sinetd -n') or diag($out);
	for my $s (@lines) {
		my ($name, $rest) = $s =~ /^(\w+)\s+(.*)$/;
		my $policy = slurp("$top/policy/$name.policy");
		my ($want) = $policy =~ /^#\s+\Q$name\E\s+(.*)$/m;
		$want //= '';
		my @a = split ' ', $rest;
		my @b = split ' ', $want;
		# The policy's header shows the same line (tftp's arguments aside).
		is("@a[0..4]", "@b[0..4]", "$name: the same line as its policy's header");
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
	my $make = "make -s -C '$top' BUILD='${\ build_dir()}' DESTDIR='$dest' "
	    . "PREFIX=/usr$san";
	my $out = `$make install 2>&1`;
	is($?, 0, 'make install') or diag($out);
	my @want = (qw(usr/sbin/sinetd usr/sbin/sinetctl
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
	is((stat("$dest/etc/sinetd/policy/tftp.policy"))[2] & 07777, 0644,
	    'a policy is 0644');
	like(slurp("$dest/usr/lib/systemd/system/sinetd.service"),
	    qr{^ExecStart=/usr/sbin/sinetd -i$}m, 'the unit runs the installed sinetd');
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
};

done_testing();
