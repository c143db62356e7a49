# Login sessions are sessions: a real user logs in through the real
# telnetd (and /bin/login), in.ftpd and in.rshd from their Debian packages
# (unpacked under build/peers, never installed), under the SHIPPED
# policies, and what a session does works: a shell that writes into its
# home and lists its processes (and not the master's), an ftp transfer
# and its ABOR (SIGURG, by F_SETOWN), an rsh command that the client's ^C
# ends (killpg by in.rshd). The test adds a throwaway user with a known
# password and removes it, its home and its processes at the end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Net::FTP;
use Socket qw(SOCK_STREAM MSG_OOB SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(time sleep);
use Test::More;
use Sinetd;

plan skip_all => 'the servers run as root and change user, and the test '
    . 'adds a user: needs root' if $> != 0;
my $peers = build_dir() . '/peers/root';
for my $p (qw(telnetd in.ftpd in.rshd)) {
	plan skip_all => "$p is not unpacked under build/peers (make peers)"
	    unless -x "$peers/usr/sbin/$p";
}
for my $p (qw(/usr/sbin/useradd /usr/sbin/userdel /usr/sbin/chpasswd
    /bin/login /bin/ps)) {
	plan skip_all => "no $p (passwd, login, procps)" unless -x $p;
}

my $top = "$FindBin::Bin/..";
my $user = "sinetdt$$";
my $pass = join('', 'Pw-', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 16);
my (@installed, $user_added);

# What a Debian install of ftpd-ssl and rsh-server puts in /etc/pam.d,
# where the host lacks it (the peers are unpacked, not installed): without
# it PAM falls back to "other", whose pam_unix needs a password that rsh
# has no way to ask for. Removed at the end.
for my $svc (qw(ftp rsh)) {
	my $to = "/etc/pam.d/$svc";
	next if -e $to;
	copy("$peers/etc/pam.d/$svc", $to) or die "$to: $!\n";
	chmod(0644, $to);
	push @installed, $to;
}

# The user, its home and whatever still runs as it go, whatever happened.
sub user_pids {
	my ($uid) = @_;
	opendir(my $d, '/proc') or return;
	return grep { my @u = proc_uid($_); @u && grep { $_ == $uid } @u }
	    grep { /^\d+$/ } readdir($d);
}
END {
	my $saved = $?;
	if ($user_added) {
		my $uid = getpwnam($user);
		if (defined $uid) {
			for (1 .. 20) {
				my @p = user_pids($uid) or last;
				kill('KILL', @p);
				sleep(0.1);
			}
		}
		# -r: its home too (and "no mail spool" is no news).
		system("/usr/sbin/userdel -r -f $user 2>/dev/null");
	}
	unlink(@installed);
	$? = $saved;
}

system('/usr/sbin/useradd', '-m', '-s', '/bin/sh', '-c', 'sinetd test',
    $user) == 0 or die "useradd $user failed\n";
$user_added = 1;
open(my $cp, '|-', '/usr/sbin/chpasswd') or die "chpasswd: $!\n";
print $cp "$user:$pass\n";
close($cp) or die "chpasswd failed\n";
my (undef, undef, $uid, $gid, undef, undef, undef, $home) = getpwnam($user);
ok(defined $uid && -d $home, "user $user with its home $home");

my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
mkdir("$dir/policy");
write_file("$dir/policy/default.policy", default_policy());
my %port;
my $conf = '';
for my $s ([ 'telnet', 'telnetd' ], [ 'ftp', 'in.ftpd' ],
    [ 'shell', 'in.rshd' ]) {
	my ($name, $prog) = @$s;
	my $p = $port{$name} = free_port();
	# The shipped file, unchanged: it names no path of the server.
	my $text = slurp("$top/policy/$name.policy");
	ok(length($text) > 0, "policy/$name.policy is shipped");
	write_file("$dir/policy/$p.policy", $text);
	$conf .= "127.0.0.1:$p stream tcp nowait root $peers/usr/sbin/$prog "
	    . "$prog\n";
}
my $d = Sinetd->start(args => ['-l', '-P', "$dir/policy"], conf => $conf);
my $master = $d->pid;

# The server ended by exiting, and nothing of this service's was killed
# by its filter. What it was refused softly (refuse lines) is shown.
sub not_killed {
	my ($name) = @_;
	my $p = $port{$name};
	my $end = $d->wait_log(worker_said($p,
	    qr/(child exited peer=\S+ child=\d+ \S+)/), 15);
	like($end // '', qr/ exit=\d+$/, "$name: the server exited, unkilled")
	    or diag($end // 'no child exited line');
	my @bad = grep { /service=$p / && /policy violation|signal=SYS/ }
	    split /\n/, $d->log_text;
	ok(!@bad, "$name: no policy violation, no SIGSYS")
	    or diag(join("\n", @bad));
	note($_) for grep { /service=$p / && /policy refused/ }
	    split /\n/, $d->log_text;
}

# ---------------------------------------------------------------- telnet

# Reads the telnet stream until $re matches the text (what is not a
# telnet command), answering every DO with WONT and every WILL with DONT.
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

subtest 'telnet: a login session runs the shell, writes home, sees itself' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $port{telnet}, timeout => 10)
	    or return fail("connect: $!");
	my $t = { s => $s, raw => '', text => '' };
	ok(tn_read($t, qr/login: $/, 20), 'the login prompt') or
	    return diag(tn_take($t));
	tn_take($t);
	tn_line($t, $user);
	ok(tn_read($t, qr/Password: ?$/, 20), 'the password prompt') or
	    return diag(tn_take($t));
	tn_take($t);
	tn_line($t, $pass);
	# The shell's prompt (dash: "$ "), after the motd.
	ok(tn_read($t, qr/\$ $/, 30), 'logged in: the shell prompts') or
	    return diag(tn_take($t));
	tn_take($t);
	# Quoted so that the echo of the command line is not the answer.
	tn_line($t, "touch ~/from-telnet && ps -o pid,comm && echo DO''NE");
	ok(tn_read($t, qr/^DONE\r?$/m, 20), 'the commands ran to their end');
	my $out = tn_take($t);
	my %ps = $out =~ /^\s*(\d+)\s+(\S+)\s*$/mg;
	ok((grep { $_ eq 'sh' } values %ps), 'ps lists the shell')
	    or diag($out);
	ok((grep { $_ eq 'ps' } values %ps), 'and ps itself');
	note("ps in the session:\n$out");
	ok(-f "$home/from-telnet", 'the file is in the home, on the host');
	is((stat("$home/from-telnet"))[4], $uid, 'owned by the user');
	tn_line($t, "ps -e -o pid=,comm=; grep -E '^(NoNewPrivs|Seccomp):' "
	    . "/proc/self/status; echo END''PS");
	ok(tn_read($t, qr/^ENDPS\r?$/m, 20), 'ps -e ran');
	$out = tn_take($t);
	my %all = $out =~ /^\s*(\d+)\s+(\S+)\s*$/mg;
	ok(keys(%all) >= 2, 'ps -e lists the session') or diag($out);
	ok(!exists $all{$master}, "ps -e does not show the master (pid $master)")
	    or diag($out);
	my @w = $d->workers;
	ok(!(grep { exists $all{$_} } @w), 'nor a worker');
	ok(!(grep { $_ eq 'sinetd' } values %all), 'nor anything named sinetd');
	# Only what the session may trace: its own processes, not login's
	# or telnetd's (root), nor any other.
	my @other = grep { pid_alive($_) && (proc_uid($_))[0] != $uid }
	    keys %all;
	ok(!@other, 'ps -e lists only the user\'s own processes')
	    or diag("not the user's: @other\n$out");
	note("ps -e in the session:\n$out");
	like($out, qr/^NoNewPrivs:\s+1\r?$/m, 'the session has no_new_privs');
	like($out, qr/^Seccomp:\s+2\r?$/m, 'and a seccomp filter');
	tn_line($t, 'exit');
	tn_read($t, qr/(?!)/, 10);	# to the end of the session
	close($s);
	not_killed('telnet');
};

# ------------------------------------------------------------------- ftp

subtest 'ftp: put, get, and ABOR of a transfer under way' => sub {
	my $ftp = Net::FTP->new('127.0.0.1', Port => $port{ftp}, Timeout => 15,
	    Passive => 1) or return fail("Net::FTP: $@");
	ok($ftp->login($user, $pass), 'login as the user')
	    or return diag($ftp->message);
	$ftp->binary;
	my $text = "put by Net::FTP $$ " . time . "\n";
	write_file("$dir/put.txt", $text);
	ok($ftp->put("$dir/put.txt", 'put.txt'), 'put')
	    or diag($ftp->message);
	is(slurp("$home/put.txt"), $text, 'the file is in the home, on the host');
	is((stat("$home/put.txt"))[4], $uid, 'owned by the user');
	# Read back in active mode: in.ftpd connects to us, from the port
	# below its own (20 where it serves 21; here not a reserved one).
	$ftp->passive(0);
	ok($ftp->get('put.txt', "$dir/back.txt"), 'get, active mode')
	    or diag($ftp->message);
	is(slurp("$dir/back.txt"), $text, 'the same bytes back');
	$ftp->passive(1);

	my $size = 50 << 20;
	{
		open(my $fh, '>', "$home/big.bin") or die "$home/big.bin: $!";
		my $chunk = join('', map { chr(rand 256) } 1 .. 4096) x 256;
		print $fh $chunk for 1 .. $size / length($chunk);
		close($fh);
		chown($uid, $gid, "$home/big.bin");
	}
	my $data = $ftp->retr('big.bin') or return fail('RETR: ' . $ftp->message);
	# A receive buffer that stays small (no autotuning up to 32m), so
	# that the 50m cannot all be in flight when the ABOR comes.
	setsockopt($data, SOL_SOCKET, SO_RCVBUF, 128 << 10);
	my $got = 0;
	while ($got < (1 << 20)) {
		my $n = $data->read(my $buf, 65536) or last;
		$got += $n;
	}
	ok($got >= (1 << 20), "the transfer is under way ($got bytes)");
	# Unread, the data connection fills and in.ftpd blocks in write(2):
	# only SIGURG (F_SETOWN on the control connection) gets it out.
	sleep(1);
	# ABOR as Net::FTP->abort sends it (Telnet IP and Synch, the IAC
	# urgent), but with the data connection left open and unread.
	send($ftp, "\xff\xf4\xff", MSG_OOB);
	my $t0 = time;
	$ftp->command("\xf2ABOR");
	$ftp->response;
	my $took = time - $t0;
	is($ftp->code, 426, 'ABOR: 426, the transfer aborted')
	    or diag($ftp->code . ' ' . $ftp->message);
	cmp_ok($took, '<', 5, sprintf('answered in %.1f s, while the data '
	    . 'connection was full', $took));
	close($data);
	delete ${*$ftp}{net_ftp_dataconn};
	$ftp->response;
	is($ftp->code, 226, 'then 226, the abort done');
	my $pwd = $ftp->pwd;
	is($pwd, $home, 'the control connection still answers (PWD)')
	    or diag($ftp->code . ' ' . $ftp->message);
	ok($ftp->quit, 'QUIT');
	not_killed('ftp');
};

# ------------------------------------------------------------------- rsh

# A socket on a reserved port: connected to $port, or listening.
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

subtest 'rsh: a command, ended by the client\'s ^C' => sub {
	write_file("$home/.rhosts", "localhost $user\n127.0.0.1 $user\n");
	chown($uid, $gid, "$home/.rhosts");
	chmod(0600, "$home/.rhosts");
	my $l = reserved() or return fail("no reserved port to listen on: $!");
	my $s = reserved(port => $port{shell})
	    or return fail("no reserved port to connect from: $!");
	syswrite($s, $l->sockport . "\0");
	my $e;
	$e = $l->accept if IO::Select->new($l)->can_read(10);
	ok($e, 'in.rshd connects back for stderr') or return;
	ok($e->peerport < 1024, 'from a reserved port (' . $e->peerport . ')');
	syswrite($s, "$user\0$user\0sleep 30; echo notreached\0");
	my $sel = IO::Select->new($s);
	my $first = '';
	sysread($s, $first, 1) if $sel->can_read(15);
	is($first, "\0", 'in.rshd accepts the user by its .rhosts') or do {
		diag("said: $first" . read_some($s, 4096, 2));
		diag('stderr: ' . read_some($e, 4096, 1));
		return;
	};
	# The command runs, as the user, in a process group of its own
	# (what in.rshd's killpg aims at), not in.rshd's.
	my $sleep = wait_for(10, sub {
		(grep { cmdline($_) =~ /^sleep 30\b/ && (proc_uid($_))[0] == $uid }
		    user_pids($uid))[0];
	});
	ok($sleep, "the command runs as the user (sleep: pid " .
	    ($sleep // '-') . ')');
	my ($pgrp, $sid) = slurp("/proc/$sleep/stat") =~ /\) \S \d+ (\d+) (\d+) /;
	ok($pgrp && $pgrp != $sid, "in a group of its own ($pgrp), not its "
	    . "server's ($sid)");
	ok(!$sel->can_read(1), 'and goes on until the client says otherwise');
	my $t0 = time;
	syswrite($e, "\x02");	# SIGINT, as rsh(1) sends the client's ^C
	my ($out, $eof) = ('', 0);
	while ($sel->can_read(20)) {
		my $n = sysread($s, my $buf, 4096);
		if (!$n) { $eof = 1; last }
		$out .= $buf;
	}
	my $took = time - $t0;
	ok($eof, 'the command ended');
	cmp_ok($took, '<', 5, sprintf('promptly (%.1f s, not 30)', $took));
	unlike($out, qr/notreached/, 'and never went on past its sleep');
	ok(!$sleep || !pid_alive($sleep), 'its sleep is gone');
	close($_) for $s, $e, $l;
	not_killed('shell');
};

unlike($d->log_text, qr/policy violation/, 'no policy violation at all');
unlike($d->log_text, qr/signal=SYS/, 'no process killed by its filter');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
