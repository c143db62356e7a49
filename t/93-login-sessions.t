# SPDX-License-Identifier: ISC
# Login sessions are sessions: a real user logs in through the real
# telnetd (and /bin/login), in.ftpd and in.rshd from their Debian packages
# (unpacked under build/peers, never installed), under the SHIPPED
# policies, and what a session does works: a shell that writes into its
# home and lists its processes (and not the master's), an ftp transfer
# and its ABOR (SIGURG, by F_SETOWN), an rsh command that the client's ^C
# ends (killpg by in.rshd). The test adds a throwaway user with a known
# password and removes it, its home and its processes at the end
# (t/lib/Peers.pm), in a mount namespace of its own.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Net::FTP;
use Socket qw(SOCK_STREAM MSG_OOB SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(time sleep);
use Test::More;
use Sinetd;
use Peers;

isolate(need => [(map { "usr/sbin/$_" } qw(telnetd in.ftpd in.rshd)),
    '/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/sbin/chpasswd', '/bin/login',
    '/bin/ps'], pam => ['ftp', 'rsh']);
my $peers = peers();
my $top = "$FindBin::Bin/..";
my $u = test_user();
my ($user, $pass, $uid, $gid, $home) = @$u{qw(name pass uid gid home)};
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

sub not_killed_svc { Peers::not_killed($d, $port{$_[0]}, $_[0]) }

# ---------------------------------------------------------------- telnet


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
	not_killed_svc('telnet');
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
	not_killed_svc('ftp');
};

# ------------------------------------------------------------------- rsh


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
	not_killed_svc('shell');
};

unlike($d->log_text, qr/policy violation/, 'no policy violation at all');
unlike($d->log_text, qr/signal=SYS/, 'no process killed by its filter');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
