# SPDX-License-Identifier: ISC
# talk end to end: the real client (talk, from the talk package) invites a
# user who is logged in through telnetd; in.talkd and in.ntalkd from
# talkd, on the two lines Debian writes, each under its shipped policy,
# find the user's tty in utmp and ring it: the invitation reaches the
# user's pty (here the telnet session, which the test reads).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(WNOHANG);
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['usr/sbin/telnetd', 'usr/sbin/in.ntalkd', '/usr/bin/netkit-ntalk',
    '/usr/bin/expect', '/bin/login', '/usr/sbin/useradd']);
my $u = test_user();
my %port = map { $_ => free_port() } qw(telnet talk ntalk);
my $pol = site_policies("$port{telnet}.policy" => 'telnet.policy',
    "$port{talk}.policy" => 'talk.policy',
    "$port{ntalk}.policy" => 'ntalk.policy');
my $sbin = peers() . '/usr/sbin';
my $d = Sinetd->start(args => ['-l', '-P', $pol], conf => <<"EOF");
127.0.0.1:$port{telnet} stream tcp nowait root $sbin/telnetd telnetd
127.0.0.1:$port{talk} dgram udp wait nobody.tty $sbin/in.talkd in.talkd
127.0.0.1:$port{ntalk} dgram udp wait nobody.tty $sbin/in.ntalkd in.ntalkd
EOF

my $t = tn_login($port{telnet}, $u) or BAIL_OUT("telnet login: $@");
# Messages on, as the user would say (login leaves the tty mode 0600).
tn_line($t, "mesg y; tty; echo DO''NE");
ok(tn_read($t, qr/^DONE\r?$/m, 20), 'logged in, messages on');
my ($tty) = tn_take($t) =~ m{^(/dev/pts/\d+)\r?$}m;
ok($tty, 'the session has a pty (' . ($tty // '-') . ')');

for my $line ('ntalk', 'talk') {
	# The client asks for the daemon by its service name, ntalk.
	services(ntalk => "$port{$line}/udp");
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		expect_run(<<"EOS", 20);
set env(TERM) vt100
spawn netkit-ntalk $u->{name}\@127.0.0.1
expect "Ringing your party"
sleep 3
EOS
		POSIX::_exit(0);
	}
	ok(tn_read($t, qr/Message from Talk_Daemon\@/, 20),
	    "$line: the invitation reaches the user's pty");
	# talkd writes the banner in pieces: its second line may come later.
	tn_read($t, qr/talk: connection requested by root\@/, 10);
	like(tn_take($t), qr/talk: connection requested by root\@/,
	    "$line: saying who asks");
	kill('TERM', $pid) if waitpid($pid, WNOHANG) == 0;
	waitpid($pid, 0);
	my @bad = grep { /service=$port{$line} / && /policy violation|signal=SYS/ }
	    split /\n/, $d->log_text;
	ok(!@bad, "$line: no policy violation, no SIGSYS") or diag(join("\n", @bad));
}
tn_line($t, 'exit');
tn_read($t, qr/(?!)/, 5);
is($d->stop >> 8, 0, 'clean stop');
done_testing();
