# SPDX-License-Identifier: ISC
# finger end to end: the real client (finger) against in.fingerd from
# fingerd, under the shipped finger.policy, on both lines Debian writes:
# the server itself, and through tcpd (/usr/sbin/tcpd /usr/sbin/in.fingerd,
# as fingerd's postinst has update-inetd write it). The user asked about
# is described, with the plan from its home.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['usr/sbin/in.fingerd', '/usr/bin/finger', '/usr/sbin/tcpd',
    '/usr/sbin/useradd']);
my $u = test_user();
my $plan = "plan of $u->{name}: test finger end to end\n";
Sinetd::write_file("$u->{home}/.plan", $plan);
chmod(0644, "$u->{home}/.plan");
chmod(0755, $u->{home});

my $fingerd = peers() . '/usr/sbin/in.fingerd';
my %line = (
	direct => "$fingerd in.fingerd",
	tcpd => "/usr/sbin/tcpd $fingerd",
);
for my $how (sort keys %line) {
	my $port = free_port();
	services(finger => "$port/tcp");
	my $pol = site_policies("$port.policy" => 'finger.policy');
	my $d = Sinetd->start(args => ['-l', '-P', $pol], conf =>
	    "127.0.0.1:$port stream tcp nowait nobody $line{$how}\n");
	my $out = `timeout 20 finger -l $u->{name}\@127.0.0.1 2>&1`;
	like($out, qr/Login: $u->{name}\s/, "$how: finger describes the user")
	    or diag($out);
	like($out, qr/\Q$plan\E/, "$how: with its plan");
	not_killed($d, $port, "finger $how");
	is($d->stop >> 8, 0, "$how: clean stop");
}
done_testing();
