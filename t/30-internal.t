# SPDX-License-Identifier: ISC
# The internal services over TCP and UDP, IPv4 and IPv6, byte for byte.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::IP;
use POSIX qw(strftime);
use Socket qw(SOCK_DGRAM);
use Test::More;
use Sinetd;

my %port = map { $_ => free_port() } qw(echo discard chargen daytime time);
my $dual = free_port();
my $conf = "127.0.0.1,[::1]:\n";
for my $svc (sort keys %port) {
	$conf .= "$port{$svc} stream tcp nowait nobody internal $svc\n";
	$conf .= "$port{$svc} dgram udp wait nobody internal $svc\n";
}
# A dual-stack socket bound to loopback only: IPv4 clients arrive mapped.
$conf .= "[::ffff:127.0.0.1]:$dual dgram udp46 wait nobody internal echo\n";
my $d = Sinetd->start(conf => $conf);
like($d->log_text, qr/ready: 21 services\n/, 'ready: every service');

# The chargen ring, as the BSD inetds send it.
my $ring = join('', map { chr } 32 .. 126);
sub chargen_line {
	my ($i) = @_;
	my $r = $ring x 2;
	return substr($r, $i % 95, 72) . "\r\n";
}
my $period = join('', map { chargen_line($_) } 0 .. 94);

sub daytime_ok {
	my ($text) = @_;
	return 0 unless defined $text &&
	    $text =~ /^(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\r\n\z/;
	my $got = $1;
	for my $skew (0, -1, -2, 1) {
		my $want = strftime('%a %b %e %H:%M:%S %Y',
		    localtime(time + $skew));
		return 1 if $want eq $got;
	}
	diag("daytime said '$got'");
	return 0;
}

sub time_ok {
	my ($bytes) = @_;
	return 0 unless defined $bytes && length($bytes) == 4;
	my $t = unpack('N', $bytes) - 2208988800;
	return abs($t - time) <= 2;
}

for my $host ('127.0.0.1', '::1') {
	my $v = $host eq '::1' ? 'IPv6' : 'IPv4';

	my $payload = join('', map { chr(int(rand(256))) } 1 .. 200000);
	my $back = Sinetd::tcp_talk($host, $port{echo}, $payload,
	    half_close => 1, max => 300000);
	ok(defined $back && $back eq $payload,
	    "echo/tcp $v: 200 kB back byte for byte");

	my $s = Sinetd::tcp_connect($host, $port{discard});
	syswrite($s, "x" x 10000);
	is(Sinetd::read_some($s, 100, 0.5), '', "discard/tcp $v: silence");
	close($s);

	my $cg = Sinetd::tcp_talk($host, $port{chargen}, undef,
	    max => 3 * 74, timeout => 2);
	is($cg, chargen_line(0) . chargen_line(1) . chargen_line(2),
	    "chargen/tcp $v: the first lines");
	my $long = Sinetd::tcp_talk($host, $port{chargen}, undef,
	    max => 3 * length($period), timeout => 2);
	is($long, $period x 3, "chargen/tcp $v: three whole periods");

	ok(daytime_ok(Sinetd::tcp_talk($host, $port{daytime}, undef)),
	    "daytime/tcp $v: the ctime form, now, CRLF, then close");
	ok(time_ok(Sinetd::tcp_talk($host, $port{time}, undef)),
	    "time/tcp $v: 32-bit seconds since 1900 within 2 s");
	ok(daytime_ok(Sinetd::tcp_talk($host, $port{daytime}, "hello\r\n")),
	    "daytime/tcp $v: input does not spoil the answer");

	my $dg = join('', map { chr(int(rand(256))) } 1 .. 1400);
	is(udp_ask($host, $port{echo}, $dg), $dg, "echo/udp $v");
	is(udp_ask($host, $port{echo}, ''), '', "echo/udp $v: empty datagram");
	my $big = 'b' x 60000;
	is(udp_ask($host, $port{echo}, $big), $big,
	    "echo/udp $v: a 60000-byte datagram whole");
	is(udp_ask($host, $port{discard}, 'x', timeout => 0.5), undef,
	    "discard/udp $v: no answer");
	my $l1 = udp_ask($host, $port{chargen}, '');
	my $l2 = udp_ask($host, $port{chargen}, '');
	ok(defined $l1 && defined $l2 && length($l1) == 74 &&
	    $l1 =~ /\r\n\z/, "chargen/udp $v: one 74-byte line");
	my ($i1) = grep { chargen_line($_) eq ($l1 // '') } 0 .. 94;
	ok(defined $i1 && chargen_line($i1 + 1) eq $l2,
	    "chargen/udp $v: the start rotates by one");
	ok(daytime_ok(udp_ask($host, $port{daytime}, 'x')), "daytime/udp $v");
	ok(time_ok(udp_ask($host, $port{time}, '')), "time/udp $v");
}

is(udp_ask('127.0.0.1', $dual, 'mapped'), 'mapped',
    'udp46: an IPv4 client of a dual-stack socket is answered');

# A burst from two clients at once, so that several datagrams wait for
# the worker together: each is answered whole, to its own sender, in order.
{
	my @c = map { IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $port{echo}, Type => SOCK_DGRAM) } 1 .. 2;
	my @sent = ([], []);
	for my $i (1 .. 30) {
		for my $k (0, 1) {
			# From empty to 3 KiB: no two neighbours alike.
			my $dg = "$k:$i:" . ('x' x (($i * 97 + $k) % 3000));
			$dg = '' if $i == 7 && $k == 1;
			push @{ $sent[$k] }, $dg;
			send($c[$k], $dg, 0);
		}
	}
	for my $k (0, 1) {
		my (@got, $buf);
		my $sel = IO::Select->new($c[$k]);
		while (@got < 30 && $sel->can_read(2)) {
			recv($c[$k], $buf, 65536, 0);
			push @got, $buf;
		}
		is_deeply(\@got, $sent[$k],
		    "echo/udp: a burst of 60 from two clients, client $k " .
		    'has its 30 answers, whole and in order');
	}
}

ok(!$d->exited, 'the daemon is still running');
is($d->stop >> 8, 0, 'and stops with status 0');
done_testing();
