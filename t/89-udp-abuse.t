# UDP abuse of the internal services: the largest datagram, a burst of
# 100,000 (SINETD_UDP_BURST), and a burst from a refused source. No
# reply where refused, no growth, no crash, the log bounded, and the
# service answers at the end. (Sources the kernel itself drops as martian,
# broadcast or 0.0.0.0/8 over loopback, never reach a socket: the guard's
# handling of them is t/11-guard.t's unit test.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::IP;
use Socket qw(SOCK_DGRAM);
use Test::More;
use Time::HiRes qw(sleep time);
use Sinetd;

my $burst = $ENV{SINETD_UDP_BURST} // 100000;

sub cmdline { my $c = slurp("/proc/$_[0]/cmdline"); $c =~ tr/\0/ /; $c }

sub worker_for {
	my ($d, $port) = @_;
	my ($w) = grep { cmdline($_) =~ /service=$port proto=udp / } $d->workers;
	return $w;
}

sub rss { slurp("/proc/$_[0]/status") =~ /^VmRSS:\s+(\d+)/m ? $1 : 0 }

my %p = map { $_ => free_port() } qw(echo chargen daytime);
my $d = Sinetd->start(conf => join '', map {
	"127.0.0.1:$p{$_} dgram udp wait nobody internal $_\n" } sort keys %p);
my %w = map { $_ => worker_for($d, $p{$_}) } keys %p;
my %rss0 = map { $_ => rss($w{$_}) } keys %p;

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
		is(worker_for($d, $p{$k}), $w{$k}, "$k: the same worker, alive");
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
	plan skip_all => 'binding port 19 needs root' if $> != 0;
	my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $p{echo}, LocalHost => '127.0.0.1', LocalPort => 19,
	    ReuseAddr => 1, Type => SOCK_DGRAM) or die "bind 19: $!";
	send($s, "loop $_", 0) for 1 .. 10000;
	my $sel = IO::Select->new($s);
	ok(!$sel->can_read(1), 'no reply to a reserved source port');
	close $s;
	my $lines = $d->count_log(qr/refused peer=127\.0\.0\.1:19 /);
	cmp_ok($lines, '>=', 1, 'the refusal is logged');
	cmp_ok($lines, '<=', 5, "but not 10,000 times ($lines)");
	is(udp_ask('127.0.0.1', $p{echo}, 'still'), 'still',
	    'the service answers others');
};

is($d->stop >> 8, 0, 'clean stop');
done_testing();
