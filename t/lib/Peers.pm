# SPDX-License-Identifier: ISC
# What the end-to-end tests of the classic sub-servers share: the real
# servers unpacked under build/peers, a throwaway user, a host that looks
# like a Debian install of the server's package (its PAM file, the
# client's /etc/services entry) without touching the host, the shipped
# policy installed as a site installs it, and a telnet session that a
# test can read (the target of talk and comsat).
#
# Each test runs in a mount namespace of its own (Peers::isolate, first
# thing): /etc/pam.d and /etc/services there are copies of the host's with
# the package's additions, so tests running side by side never install or
# remove a file another one needs.
package Peers;
use strict;
use warnings;
use Exporter qw(import);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time sleep);
use Test::More;
use Sinetd;

our @EXPORT = qw(peers isolate services test_user trust_root site_policies
    serve each_form not_killed reserved user_pids tn_open tn_read tn_take
    tn_line tn_login expect_run);

my $peers = Sinetd::build_dir() . '/peers/root';
sub peers { $peers }

my ($ns_dir, $user_added, $user_name);

# Skips the whole file unless it runs as root and the servers are there;
# then re-executes the test in a private mount namespace, where the PAM
# files of the packages in @pam are what the host has, plus those.
sub isolate {
	my (%o) = @_;
	plan skip_all => 'the servers run as root and change user, and the '
	    . 'test adds a user: needs root' if !Sinetd::privileged();
	for my $p (@{ $o{need} // [] }) {
		my $path = $p =~ m{^/} ? $p : "$peers/$p";
		plan skip_all => "$path is missing (make peers, make test-deps)"
		    unless -x $path;
	}
	unless ($ENV{SINETD_PEERS_NS}) {
		my @ns = Sinetd::private_ns() or plan skip_all => $@;
		$ENV{SINETD_PEERS_NS} = 1;
		exec(@ns, $^X, (map { "-I$_" } @INC), $0, @ARGV) or die "exec: $!";
	}
	$ns_dir = tempdir(CLEANUP => 1);
	chmod(0755, $ns_dir);
	system('cp', '-a', '/etc/pam.d', "$ns_dir/pam.d") == 0
	    or die "cp /etc/pam.d\n";
	for my $svc (@{ $o{pam} // [] }) {
		next if -e "$ns_dir/pam.d/$svc";
		copy("$peers/etc/pam.d/$svc", "$ns_dir/pam.d/$svc")
		    or die "pam.d/$svc: $!\n";
		chmod(0644, "$ns_dir/pam.d/$svc");
	}
	Sinetd::write_file("$ns_dir/services", Sinetd::slurp('/etc/services'));
	chmod(0644, "$ns_dir/services");
	system("mount --bind $ns_dir/pam.d /etc/pam.d && "
	    . "mount --bind $ns_dir/services /etc/services") == 0
	    or die "cannot bind the test's /etc/pam.d and /etc/services\n";
	# A /run of the test's own, with the utmp a booted host has (login
	# writes it; talkd and comsat find the user's tty in it): the host's
	# is neither needed nor touched.
	system("mount -t tmpfs -o mode=0755 sinetd-test-run /run") == 0
	    or die "cannot mount the test's /run\n";
	my $utmp_gid = getgrnam('utmp') // 0;
	open(my $utmp, ">", "/run/utmp") or die "/run/utmp: $!\n";
	close($utmp);
	chown(0, $utmp_gid, '/run/utmp');
	chmod(0664, '/run/utmp');
}

# Services the clients find by name (rsh, talk), on the test's ports:
# name => "port/proto", ahead of the host's entries.
sub services {
	my (%add) = @_;
	my $f = "$ns_dir/services";
	Sinetd::write_file($f, join('', map { "$_\t$add{$_}\n" } sort keys %add)
	    . Sinetd::slurp($f));
}

sub user_pids {
	my ($uid) = @_;
	opendir(my $d, '/proc') or return;
	return grep { my @u = Sinetd::proc_uid($_); @u && grep { $_ == $uid } @u }
	    grep { /^\d+$/ } readdir($d);
}

# A user with a known password and a home, removed (with whatever still
# runs as it) at the end. useradd takes /etc/passwd's lock, which a test
# beside may hold: tried again.
sub test_user {
	my (%o) = @_;
	# Short: talk's protocol carries at most 11 characters of a name.
	my $name = "sdt$$";
	# 12 characters: in.rexecd takes at most 15.
	my $pass = join('', 'Pw-', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 9);
	my $rc;
	for (1 .. 20) {
		$rc = system('/usr/sbin/useradd', '-m', '-s',
		    $o{shell} // '/bin/sh', ($o{group} ? ('-g', $o{group}) : ()),
		    '-c', 'sinetd test', $name);
		last if $rc == 0 || defined getpwnam($name);
		sleep(0.5);
	}
	die "useradd $name failed\n" unless defined getpwnam($name);
	$user_added = 1;
	$user_name = $name;
	for (1 .. 20) {
		open(my $cp, '|-', '/usr/sbin/chpasswd') or die "chpasswd: $!\n";
		print $cp "$name:$pass\n";
		last if close($cp);
		sleep(0.5);
	}
	my (undef, undef, $uid, $gid, undef, undef, undef, $home) = getpwnam($name);
	return { name => $name, pass => $pass, uid => $uid, gid => $gid,
	    home => $home };
}

END {
	my $saved = $?;
	if ($user_added) {
		my $uid = getpwnam($user_name);
		if (defined $uid) {
			for (1 .. 20) {
				my @p = user_pids($uid) or last;
				kill('KILL', @p);
				sleep(0.1);
			}
		}
		for (1 .. 20) {
			system("/usr/sbin/userdel -r -f $user_name 2>/dev/null");
			last unless defined getpwnam($user_name);
			sleep(0.5);
		}
		unlink("/var/mail/$user_name");
	}
	$? = $saved;
}

# A policy directory as a site installs one: default.policy and the
# shipped files named, each unchanged, under the name sinetd looks for
# (%files: name in the directory => shipped file).
sub site_policies {
	my (%files) = @_;
	my $top = "$FindBin::Bin/..";
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	Sinetd::write_file("$dir/default.policy", Sinetd::default_policy());
	Sinetd::write_file("$dir/internal.policy",
	    Sinetd::slurp("$top/policy/internal.policy"));
	for my $name (keys %files) {
		my $text = Sinetd::slurp("$top/policy/$files{$name}");
		ok(length($text) > 0, "policy/$files{$name} is shipped");
		Sinetd::write_file("$dir/$name", $text);
	}
	return $dir;
}

# The user's .rhosts trusts root at localhost (rsh, rlogin: the client
# runs as root here).
sub trust_root {
	my ($u) = @_;
	Sinetd::write_file("$u->{home}/.rhosts", "localhost root\n127.0.0.1 root\n");
	chown($u->{uid}, $u->{gid}, "$u->{home}/.rhosts");
	chmod(0600, "$u->{home}/.rhosts");
}

# The code once for each line a Debian package writes for a server: the
# server itself (argv[0] its name), and through tcpd (/usr/sbin/tcpd and
# the server's path, argv[0] the program tcpd runs), as update-inetd adds
# most of them.
sub each_form {
	my ($code) = @_;
	subtest("the $_ line", sub { $code->($_[0]) }, $_) for 'direct', 'tcpd';
}

# sinetd serving one of the unpacked servers (usr/sbin/PROGRAM) on a line
# of that form, under a shipped policy installed as a site does; returns
# the daemon and the port. %o: form, program, policy, and optionally
# port, user (root), socket (stream tcp nowait), args.
sub serve {
	my (%o) = @_;
	my $port = $o{port} // Sinetd::free_port();
	my $pol = site_policies("$port.policy" => $o{policy});
	my $path = "$peers/usr/sbin/$o{program}";
	my $server = $o{form} eq 'tcpd' ? "/usr/sbin/tcpd $path" :
	    "$path $o{program}";
	$server .= " $o{args}" if defined $o{args};
	my $d = Sinetd->start(args => ['-l', '-P', $pol], conf => "127.0.0.1:$port "
	    . ($o{socket} // 'stream tcp nowait') . ' ' . ($o{user} // 'root')
	    . " $server\n");
	return ($d, $port);
}

# The server of service $port ended by exiting, and nothing of the
# service's was killed by its filter; what it was refused softly (refuse
# lines) is shown.
sub not_killed {
	my ($d, $port, $what) = @_;
	my $end = $d->wait_log(Sinetd::worker_said($port,
	    qr/(child exited peer=\S+ child=\d+ \S+)/), 15);
	like($end // '', qr/ exit=\d+$/, "$what: the server exited, unkilled")
	    or diag($end // 'no child exited line');
	my @bad = grep { /service=$port / && /policy violation|signal=SYS/ }
	    split /\n/, $d->log_text;
	ok(!@bad, "$what: no policy violation, no SIGSYS")
	    or diag(join("\n", @bad));
	note($_) for grep { /service=$port / && /policy refused/ }
	    split /\n/, $d->log_text;
}

# A socket on a reserved port: connected to $o{port}, or listening.
sub reserved {
	my (%o) = @_;
	for my $lp (reverse 600 .. 1000) {
		my $s = IO::Socket::IP->new(LocalHost => '127.0.0.1',
		    LocalPort => $lp, Type => SOCK_STREAM,
		    ($o{port} ? (PeerHost => '127.0.0.1', PeerPort => $o{port})
			: (Listen => 1)));
		return $s if $s;
	}
	return undef;
}

# A real client driven through a pty by expect(1): the script's output,
# and its exit status.
sub expect_run {
	my ($script, $timeout) = @_;
	my $f = "$ns_dir/script.exp";
	Sinetd::write_file($f, "set timeout " . ($timeout // 20) . "\n$script");
	my $out = `expect -f $f 2>&1`;
	return ($out, $? >> 8);
}

# ---------------------------------------------------- a telnet session
# Read with tn_read until a pattern matches the text (what is not a
# telnet command), answering every DO with WONT and every WILL with DONT.

sub tn_open {
	my ($port) = @_;
	my $s = Sinetd::tcp_connect('127.0.0.1', $port, timeout => 10)
	    or return undef;
	return { s => $s, raw => '', text => '' };
}

sub tn_read {
	my ($t, $re, $timeout) = @_;
	my $sel = IO::Select->new($t->{s});
	my $end = time + $timeout;
	while ($t->{text} !~ $re) {
		my $left = $end - time;
		last if $left <= 0 || !$sel->can_read($left);
		my $n = sysread($t->{s}, my $buf, 8192);
		last unless $n;
		$t->{raw} .= $buf;
		while (length $t->{raw}) {
			if ($t->{raw} =~ s/^([^\xff]+)//) {
				$t->{text} .= $1;
			} elsif ($t->{raw} =~ s/^\xff\xff//) {
				$t->{text} .= "\xff";
			} elsif ($t->{raw} =~ s/^\xff([\xfb\xfd])(.)//s) {
				syswrite($t->{s}, "\xff" .
				    ($1 eq "\xfb" ? "\xfe" : "\xfc") . $2);
			} elsif ($t->{raw} =~ s/^\xff[\xfc\xfe].//s ||
			    $t->{raw} =~ s/^\xff\xfa.*?\xff\xf0//s ||
			    $t->{raw} =~ s/^\xff[\xf0-\xf9]//) {
			} else {
				last;	# a command cut in two: wait for the rest
			}
		}
	}
	return $t->{text} =~ $re;
}

# What came since the last call, and forget it.
sub tn_take { my $x = $_[0]{text}; $_[0]{text} = ''; $x }

sub tn_line { syswrite($_[0]{s}, "$_[1]\r\n") }

# Logged in through telnetd and login(1), at the shell's prompt; undef
# (with what was said in $@) if not.
sub tn_login {
	my ($port, $u) = @_;
	my $t = tn_open($port) or do { $@ = "connect: $!"; return undef };
	for my $step ([qr/login: $/, $u->{name}], [qr/Password: ?$/, $u->{pass}],
	    [qr/\$ $/, undef]) {
		unless (tn_read($t, $step->[0], 30)) {
			$@ = tn_take($t);
			return undef;
		}
		tn_take($t);
		tn_line($t, $step->[1]) if defined $step->[1];
	}
	return $t;
}

1;
