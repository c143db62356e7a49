# SPDX-License-Identifier: ISC
# The shipped policies, each under its real server from its Debian
# package (unpacked under build/peers, never installed), answering its
# real client or its first request, with no policy violation. The test's
# copies of the servers live under build/peers, so each policy is the
# shipped file with those paths added.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Socket qw(SOCK_STREAM SOCK_DGRAM AF_INET inet_aton);
use Test::More;
use Sinetd;

plan skip_all => 'the servers run as root, chroot and change user: needs root'
    if !privileged();
my $peers = build_dir() . '/peers/root/usr/sbin';
plan skip_all => "the servers are not unpacked under build/peers (make peers)"
    unless -x "$peers/in.tftpd" && -x "$peers/telnetd";

my $top = "$FindBin::Bin/..";
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
mkdir("$dir/policy");
mkdir("$dir/tftp");
chmod(0755, "$dir/tftp");
write_file("$dir/tftp/hello.txt", "hello from tftp\n");
chmod(0644, "$dir/tftp/hello.txt");
for my $f (qw(default internal)) {
	write_file("$dir/policy/$f.policy", $f eq 'default' ? default_policy() :
	    slurp("$top/policy/$f.policy"));
}

my %port;
my $conf = '';
# name => [socket type, user, server, args, extra policy lines]
my @servers = (
	[ 'tftp', 'dgram udp wait', 'root', 'in.tftpd', "-s $dir/tftp -t 1",
	  "fs-read $dir/tftp\nfs-exec $peers\n" ],
	[ 'finger', 'stream tcp nowait', 'nobody', 'in.fingerd', '',
	  "fs-exec $peers\n" ],
	[ 'telnet', 'stream tcp nowait', 'root', 'telnetd', '', '' ],
	[ 'ftp', 'stream tcp nowait', 'root', 'in.ftpd', '', '' ],
	[ 'talk', 'dgram udp wait', 'nobody.tty', 'in.talkd', '',
	  "fs-exec $peers\n" ],
	[ 'ntalk', 'dgram udp wait', 'nobody.tty', 'in.ntalkd', '',
	  "fs-exec $peers\n" ],
	[ 'biff', 'dgram udp wait', 'root', 'in.comsat', '',
	  "fs-exec $peers\n" ],
	[ 'login', 'stream tcp nowait', 'root', 'in.rlogind', '', '' ],
	[ 'shell', 'stream tcp nowait', 'root', 'in.rshd', '', '' ],
	[ 'exec', 'stream tcp nowait', 'root', 'in.rexecd', '', '' ],
	[ 'uucp', 'stream tcp nowait', 'root', 'in.uucpd', '', '' ],
);
for my $s (@servers) {
	my ($name, $type, $user, $prog, $args, $extra) = @$s;
	my $p = $port{$name} = free_port();
	my $text = slurp("$top/policy/$name.policy");
	ok(length($text) > 0, "policy/$name.policy is shipped");
	write_file("$dir/policy/$p.policy",
	    "$text\n# Where this test's copy of the server lives.\n$extra");
	$conf .= "127.0.0.1:$p $type $user $peers/$prog $prog $args\n";
}
my $d = Sinetd->start(args => ['-l', '-P', "$dir/policy"], conf => $conf);

sub slurp_sock {
	my ($s, $timeout, $until) = @_;
	my $sel = IO::Select->new($s);
	my $data = '';
	while ($sel->can_read($timeout)) {
		my $n = sysread($s, my $buf, 4096);
		last unless $n;
		$data .= $buf;
		last if $until && $data =~ $until;
	}
	return $data;
}

# A client from a reserved port, as the r-services demand.
sub reserved_connect {
	my ($port) = @_;
	for my $lp (reverse 600 .. 1000) {
		my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
		    PeerPort => $port, LocalPort => $lp, Type => SOCK_STREAM);
		return $s if $s;
	}
	return undef;
}

subtest 'tftp: in.tftpd serves a file' => sub {
	plan skip_all => 'no tftp client' if system('command -v tftp >/dev/null');
	unlink("$dir/got");
	system("cd $dir && timeout 20 tftp 127.0.0.1 $port{tftp} -c get "
	    . "hello.txt got >/dev/null 2>&1");
	is(slurp("$dir/got"), "hello from tftp\n", 'the file, whole');
	my ($w) = grep { slurp("/proc/$_/cmdline") =~ /service=$port{tftp} / }
	    $d->workers;
	my ($eff) = slurp("/proc/$w/status") =~ /^CapEff:\s*(\w+)/m;
	is(hex($eff), (1 << 6) | (1 << 7) | (1 << 18),
	    'its worker holds setgid, setuid and sys_chroot only');
};

subtest 'finger: in.fingerd answers the finger client' => sub {
	plan skip_all => 'no finger client' if system('command -v finger >/dev/null');
	plan skip_all => $@ unless private_ns();
	my $services = slurp('/etc/services');
	$services =~ s/^finger\s.*$/finger\t\t$port{finger}\/tcp/m;
	write_file("$dir/services", $services);
	# / private first: the bind must never reach the host's /etc.
	my $out = `timeout 20 unshare -m --propagation unchanged sh -c 'mount --make-rprivate / && mount --bind $dir/services /etc/services && finger root\@127.0.0.1' 2>&1`;
	like($out, qr/Login: root\s+Name:/, 'finger root@127.0.0.1');
};

subtest 'telnet: telnetd reaches its login prompt' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $port{telnet});
	my ($data, $seen) = ('', '');
	my $sel = IO::Select->new($s);
	while ($seen !~ /login:/i && $sel->can_read(10)) {
		my $n = sysread($s, my $buf, 4096);
		last unless $n;
		$data .= $buf;
		# Refuse every option: WILL/DO get DONT/WONT.
		while ($data =~ s/\xff([\xfb\xfd])(.)//s) {
			syswrite($s, "\xff" . ($1 eq "\xfb" ? "\xfe" : "\xfc") . $2);
		}
		$data =~ s/\xff\xfa.*?\xff\xf0//sg;
		$data =~ s/\xff[\xfc\xfe].//sg;
		$seen .= $data;
		$data = '';
	}
	like($seen, qr/login:/i, 'the login prompt comes');
	close($s);
};

subtest 'ftp: in.ftpd, its banner and a refused login' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $port{ftp});
	like(slurp_sock($s, 10, qr/\n/), qr/^220 /, '220 banner');
	syswrite($s, "USER nosuchuser\r\n");
	like(slurp_sock($s, 10, qr/\n/), qr/^(331|530|550) /m, 'USER is answered');
	syswrite($s, "PASS wrong\r\n");
	like(slurp_sock($s, 15, qr/^530 /m), qr/^530 /m, '530: login refused');
	close($s);
};

subtest 'talk and ntalk: a LOOK_UP is answered' => sub {
	for my $name ('ntalk', 'talk') {
		my $u = IO::Socket::IP->new(PeerHost => '127.0.0.1',
		    PeerPort => $port{$name}, Type => SOCK_DGRAM);
		my $lo = inet_aton('127.0.0.1');
		my $ctl = pack('C C C C N n n a4 x8 n n a4 x8 N a12 a12 a16',
		    1, 1, 0, 0, 0, AF_INET, 0, $lo, AF_INET, $u->sockport, $lo,
		    $$, 'me', 'nosuchuser', '');
		send($u, $ctl, 0);
		my $reply;
		recv($u, $reply, 100, 0) if IO::Select->new($u)->can_read(5);
		is(length($reply // ''), 24, "$name: a CTL_RESPONSE comes back");
	}
};

subtest 'biff: in.comsat takes a notification' => sub {
	my $u = IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $port{biff}, Type => SOCK_DGRAM);
	send($u, "nosuchuser\@0\n", 0);
	ok($d->wait_log(worker_said($port{biff}, qr/started child=\d+"/)),
	    'in.comsat starts for it');
	sleep(1);
	unlike($d->log_text, qr/service=$port{biff} .*signal=/,
	    'and is not killed');
};

subtest 'login, shell, exec: the r-services answer' => sub {
	my $s = reserved_connect($port{login});
	syswrite($s, "\0nosuchuser\0nosuchuser\0xterm/38400\0");
	like(slurp_sock($s, 10, qr/assword/), qr/^\0.*Password:/s,
	    'in.rlogind: accepted, then login asks for a password');
	close($s);
	$s = reserved_connect($port{shell});
	syswrite($s, "0\0nosuchuser\0nosuchuser\0id\0");
	like(slurp_sock($s, 10, qr/\n/), qr/^\x01.*denied/s,
	    'in.rshd: refused, with its reason');
	close($s);
	$s = Sinetd::tcp_connect('127.0.0.1', $port{exec});
	syswrite($s, "0\0nosuchuser\0wrong\0id\0");
	is(slurp_sock($s, 15), '', 'in.rexecd: a wrong password ends it');
	ok($d->wait_log(worker_said($port{exec}, qr/child exited peer=\S+ child=\d+ exit=1 duration=\d+ms"/), 10),
	    'and it exits 1, as it does');
};

subtest 'uucp: in.uucpd asks for a login and checks the password' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $port{uucp});
	like(slurp_sock($s, 10, qr/login: /), qr/login: $/, 'it asks who');
	syswrite($s, "nosuchuser\r\n");
	like(slurp_sock($s, 10, qr/assword/), qr/Password:/, 'then a password');
	syswrite($s, "wrong\r\n");
	like(slurp_sock($s, 15, qr/incorrect/), qr/Login incorrect/,
	    'and refuses a wrong one');
	close($s);
};

unlike($d->log_text, qr/policy violation/, 'no policy violation at all');
unlike($d->log_text, qr/signal=SYS/, 'no process killed by its filter');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
