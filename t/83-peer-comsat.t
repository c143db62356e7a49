# SPDX-License-Identifier: ISC
# comsat end to end: a user logged in through telnetd turns biff on (the
# real biff, from its package); a mail delivery's datagram reaches
# in.comsat from biff, under the shipped biff.policy, which finds the
# user's tty in utmp and announces the mail there (on the line biff's
# postinst writes: root.tty, argv[0] comsat). (Debian's in.comsat
# then prints no headers, under openbsd-inetd too: the server's quirk.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::IP;
use Socket qw(SOCK_DGRAM);
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['usr/sbin/telnetd', 'usr/sbin/in.comsat', 'usr/bin/biff',
    '/bin/login', '/usr/sbin/useradd']);
my $u = test_user();
my %port = map { $_ => free_port() } qw(telnet biff);
my $pol = site_policies("$port{telnet}.policy" => 'telnet.policy',
    "$port{biff}.policy" => 'biff.policy');
my $sbin = peers() . '/usr/sbin';
my $d = Sinetd->start(args => ['-l', '-P', $pol], conf => <<"EOF");
127.0.0.1:$port{telnet} stream tcp nowait root $sbin/telnetd telnetd
127.0.0.1:$port{biff} dgram udp wait root.tty $sbin/in.comsat comsat
EOF

my $t = tn_login($port{telnet}, $u) or BAIL_OUT("telnet login: $@");
tn_line($t, "B=" . peers() . "/usr/bin/biff; \$B y; \$B; echo DO''NE");
ok(tn_read($t, qr/^DONE\r?$/m, 20), 'logged in, biff on');
like(tn_take($t), qr/is y/, 'biff says so');

# A delivery, as a mail server makes it: the mailbox grows, then the
# datagram "user@offset" says where the new mail starts.
my $box = "/var/mail/$u->{name}";
Sinetd::write_file($box, "From root\@localhost Tue Dec  1 00:00:00 2026\n"
    . "From: root\@localhost\nSubject: hello from comsat $$\n\nbody\n\n");
chown($u->{uid}, (getgrnam('mail'))[2] // 0, $box);
chmod(0660, $box);
my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $port{biff},
    Type => SOCK_DGRAM) or die "udp: $!";
send($s, "$u->{name}\@0\n", 0);
ok(tn_read($t, qr/New mail for $u->{name}\@/, 20),
    'the new mail is announced on the user\'s pty') or diag(tn_take($t));
tn_read($t, qr/Subject: hello from comsat $$/, 3);
note('what the pty got: ' . tn_take($t));
my @bad = grep { /service=$port{biff} / && /policy violation|signal=SYS/ }
    split /\n/, $d->log_text;
ok(!@bad, 'no policy violation, no SIGSYS') or diag(join("\n", @bad));
tn_line($t, 'exit');
tn_read($t, qr/(?!)/, 5);
is($d->stop >> 8, 0, 'clean stop');
done_testing();
