# SPDX-License-Identifier: ISC
# UDP abuse of the internal services: datagrams from every refused source
# class, crafted with raw sockets where the kernel would not send them
# (0.0.0.0/8, broadcast, multicast, v4-mapped and v4-compatible IPv6, the
# unspecified address), the largest datagram, a burst of 100,000
# (SINETD_UDP_BURST), and a burst from a refused source. No reply where
# refused, no growth, no crash, the log bounded, and the service answers
# at the end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::IP;
use Socket qw(AF_INET AF_INET6 SOCK_DGRAM SOCK_RAW inet_aton inet_pton
    pack_sockaddr_in pack_sockaddr_in6);
use Test::More;
use Time::HiRes qw(sleep time);
use Sinetd;

my $burst = $ENV{SINETD_UDP_BURST} // 100000;

sub rss { slurp("/proc/$_[0]/status") =~ /^VmRSS:\s+(\d+)/m ? $1 : 0 }

my %p = map { $_ => free_port() } qw(echo chargen daytime);
my ($v6, $dual) = (free_port(), free_port());
my $d = Sinetd->start(conf => join('', map {
	"127.0.0.1:$p{$_} dgram udp wait nobody internal $_\n" } sort keys %p)
    . "[::1]:$v6 dgram udp6 wait nobody internal echo\n"
    . "[::]:$dual dgram udp46 wait nobody internal echo\n");
my %w = map { $_ => $d->worker_for($p{$_}, 'udp') } keys %p;
my @before = $d->resources;
my %rss0 = map { $_ => rss($w{$_}) } keys %p;

# A UDP datagram with any source, as raw bytes: IPv4 or IPv6 header
# included (IPPROTO_RAW), checksum computed.
sub checksum {
	my ($bytes) = @_;
	$bytes .= "\0" if length($bytes) % 2;
	my $sum = 0;
	$sum += $_ for unpack('n*', $bytes);
	$sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16;
	return (~$sum & 0xffff) || 0xffff;
}

sub craft {
	my ($src, $sport, $dst, $dport, $data) = @_;
	my $six = $src =~ /:/;
	my ($s, $t) = $six ? (inet_pton(AF_INET6, $src), inet_pton(AF_INET6, $dst))
	    : (inet_aton($src), inet_aton($dst));
	my $len = 8 + length($data);
	my $pseudo = $six ? $s . $t . pack('NxxxC', $len, 17)
	    : $s . $t . pack('CCn', 0, 17, $len);
	my $udp = pack('nnnn', $sport, $dport, $len, 0);
	$udp = pack('nnnn', $sport, $dport, $len,
	    checksum($pseudo . $udp . $data)) . $data;
	return $six ? pack('NnCC', 6 << 28, $len, 17, 64) . $s . $t . $udp
	    : pack('CCnnnCCn', 0x45, 0, 20 + $len, 1, 0, 64, 17, 0) . $s . $t
	    . $udp;
}

sub send_raw {
	my ($src, $sport, $dst, $dport, $data) = @_;
	my $six = $dst =~ /:/;
	socket(my $r, $six ? AF_INET6 : AF_INET, SOCK_RAW, 255) or die "raw: $!";
	my $to = $six ? pack_sockaddr_in6(0, inet_pton(AF_INET6, $dst))
	    : pack_sockaddr_in(0, inet_aton($dst));
	defined send($r, craft($src, $sport, $dst, $dport, $data), 0, $to)
	    or die "send from $src: $!";
}

subtest 'crafted sources: refused and logged, an allowed one answered' => sub {
	plan skip_all => 'raw sockets need root' if !privileged();
	my @cases = (
		[ '0.0.0.5', '127.0.0.1', $p{echo}, 'zero-network' ],
		[ '255.255.255.255', '127.0.0.1', $p{echo}, 'broadcast' ],
		[ '224.0.0.1', '127.0.0.1', $p{echo}, 'multicast' ],
		[ '255.1.2.3', '127.0.0.1', $p{echo}, 'reserved-network' ],
		[ '::ffff:127.0.0.1', '::1', $v6, 'v4-mapped' ],
		[ '::127.0.0.1', '::1', $v6, 'v4-compatible' ],
		[ '::', '::1', $v6, 'unspecified' ],
		[ '::ffff:0.0.0.7', '::1', $dual, 'zero-network' ],
	);
	for my $c (@cases) {
		my ($src, $dst, $port, $why) = @$c;
		send_raw($src, 40000, $dst, $port, 'spoofed');
		my $shown = $src =~ /:/ && !($port == $dual) ? "[$src]:40000"
		    : $src =~ /^::ffff:(.*)/ ? "$1:40000" : "$src:40000";
		ok($d->wait_log(worker_said(undef, qr/udp request refused peer=\Q$shown\E reason=$why"/), 5),
		    "from $src: refused, reason=$why") or diag($d->log_text);
	}
	# The same crafting from an allowed source is answered: the refusals
	# above are sinetd's, not the kernel's.
	for my $ok ([ '127.0.0.3', '127.0.0.1', $p{echo} ],
	    [ '::1', '::1', $v6 ]) {
		my ($src, $dst, $port) = @$ok;
		my $l = IO::Socket::IP->new(LocalHost => $src, LocalPort => 40001,
		    Type => SOCK_DGRAM, ReuseAddr => 1) or die "bind $src: $!";
		send_raw($src, 40001, $dst, $port, 'crafted');
		my $got = '';
		$l->recv($got, 100) if IO::Select->new($l)->can_read(2);
		is($got, 'crafted', "crafted from $src: answered");
	}
	is($d->count_log(qr/worker died/), 0, 'no worker lost');
};

subtest 'the largest datagram comes back whole' => sub {
	my $big = join '', map { chr(32 + $_ % 95) } 1 .. 65507;
	my $got = udp_ask('127.0.0.1', $p{echo}, $big);
	is(length($got // ''), 65507, '65,507 bytes back');
	ok(defined $got && $got eq $big, 'the same bytes');
};

subtest "a burst of $burst datagrams to each service" => sub {
	for my $k (sort keys %p) {
		my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
		    PeerPort => $p{$k}, Type => SOCK_DGRAM) or die $!;
		$s->blocking(0);
		my ($sent, $t0) = (0, time);
		for my $i (1 .. $burst) {
			$sent++ if defined send($s, "burst $i", 0);
		}
		ok($sent > 0, "$k: $sent sent in " . sprintf('%.1f', time - $t0)
		    . ' s (the rest met a full buffer)');
		close $s;
	}
	sleep 0.5;
	for my $k (sort keys %p) {
		is($d->worker_for($p{$k}, 'udp'), $w{$k}, "$k: the same worker, alive");
		my $grew = rss($w{$k}) - $rss0{$k};
		cmp_ok($grew, '<', 1024, "$k: resident memory grew by $grew KiB");
	}
	is(udp_ask('127.0.0.1', $p{echo}, 'after'), 'after', 'echo answers');
	like(udp_ask('127.0.0.1', $p{daytime}, 'x') // '', qr/\d\d:\d\d/,
	    'daytime answers');
	ok(length(udp_ask('127.0.0.1', $p{chargen}, 'x') // '') > 0,
	    'chargen answers');
};

subtest 'a burst from a refused source: no reply, a bounded log' => sub {
	plan skip_all => 'binding port 19 needs root' if !privileged();
	my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $p{echo}, LocalHost => '127.0.0.1', LocalPort => 19,
	    ReuseAddr => 1, Type => SOCK_DGRAM) or die "bind 19: $!";
	send($s, "loop $_", 0) for 1 .. 10000;
	my $sel = IO::Select->new($s);
	ok(!$sel->can_read(1), 'no reply to a reserved source port');
	close $s;
	my $lines = $d->count_log(worker_said(undef, qr/[^"]*refused peer=127\.0\.0\.1:19 /));
	cmp_ok($lines, '>=', 1, 'the refusal is logged');
	cmp_ok($lines, '<=', 5, "but not 10,000 times ($lines)");
	is(udp_ask('127.0.0.1', $p{echo}, 'still'), 'still',
	    'the service answers others');
};

# The worker takes and answers datagrams a batch at a time (recvmmsg,
# sendmmsg): sent together, they share a batch, and still each answer goes
# to its own sender, whole, and a refused source in the batch gets none.
subtest 'datagrams sent together: each answer to its own sender' => sub {
	plan skip_all => 'binding port 19 needs root' if $> != 0;
	my %s = map { $_ => IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $p{echo}, Type => SOCK_DGRAM) || die $! } qw(a b);
	$s{r} = IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $p{echo}, LocalHost => '127.0.0.1', LocalPort => 19,
	    ReuseAddr => 1, Type => SOCK_DGRAM) or die "bind 19: $!";
	for my $i (1 .. 24) {
		send($s{$_}, "$_ $i", 0) for qw(a r b);
	}
	# Of three sizes, the largest among them: a slot's bytes are its own
	# (few enough bytes for the default socket buffers).
	my @big = ('x' x 65507, 'y' x 20000, 'z' x 30000);
	send($s{a}, $_, 0) for @big;
	my %got = map { $_ => [] } qw(a b r);
	for my $k (qw(a b r)) {
		my $sel = IO::Select->new($s{$k});
		while ($sel->can_read($k eq 'r' ? 1 : 2)) {
			my $buf;
			defined $s{$k}->recv($buf, 70000) or last;
			push @{ $got{$k} }, $buf;
			last if $k eq 'a' && @{ $got{a} } == 27;
			last if $k eq 'b' && @{ $got{b} } == 24;
		}
	}
	is_deeply([ sort @{ $got{b} } ], [ sort map { "b $_" } 1 .. 24 ],
	    'b: its 24 answers, nothing of the others');
	is_deeply([ sort grep { length() < 100 } @{ $got{a} } ],
	    [ sort map { "a $_" } 1 .. 24 ], 'a: its 24 answers');
	my @back = grep { length() >= 100 } @{ $got{a} };
	is(scalar(@back), 3, 'a: the three large ones back')
	    or diag(join ' ', map { length } @back);
	is_deeply([ sort @back ], [ sort @big ], 'each whole, its own bytes');
	is(scalar(@{ $got{r} }), 0, 'the reserved source port: no answer');
	close $_ for values %s;
	is($d->count_log(qr/worker died/), 0, 'no worker lost');
};

ok($d->back_to(@before), 'descriptors and memory back to their level')
    or diag(join ' ', $d->resources, 'before:', @before);
is($d->stop >> 8, 0, 'clean stop');
done_testing();
