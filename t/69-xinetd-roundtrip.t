# SPDX-License-Identifier: ISC
# sinetctl import-xinetd, round trip: an xinetd configuration imported and
# served by sinetd answers on the same ports with the same limits:
# instances = 2 lets a third client wait until one of two ends; per_source
# = 1 turns a second client from one address away; only_from lets in only
# its address; rlimit_files and nice reach the server; a disabled service
# does not listen. Debian's own echo file, enabled, answers too.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Test::More;
use Sinetd;

my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);	# the servers run as nobody
my %port = map { $_ => free_port() } qw(ECHO TWO PERIP ONLY OFF DEB);
# A server that greets, says what it was given, and echoes until EOF.
my $hello = "$dir/hello";
write_file($hello, <<'SH');
#!/bin/sh
if [ "$1" = nofile ]; then
	echo "hello nofile=$(ulimit -n) nice=$(cut -d' ' -f19 /proc/$$/stat)"
else
	echo hello
fi
exec cat
SH
chmod(0755, $hello);
(my $conf = Sinetd::slurp("$FindBin::Bin/xinetd/roundtrip.conf")) =~
    s/@(\w+)@/$1 eq 'HELLO' ? $hello : $port{$1}/ge;
write_file("$dir/xinetd.conf", $conf);

my $ctl = build_dir() . '/sinetctl';
my $out = `'$ctl' import-xinetd -o '$dir/imported' '$dir/xinetd.conf' 2>&1`;
is($? >> 8, 0, 'imported') or diag($out);
like($out, qr/log_type: not carried over/, 'with its note');
write_file("$dir/imported/policy/default.policy", Sinetd::default_policy());
my $d = Sinetd->start(conf => Sinetd::slurp("$dir/imported/inetd.conf"),
    args => [ '-P', "$dir/imported/policy" ]);
unlike($d->log_text, qr/\.conf:\d+:/, 'sinetd takes every line');

is(tcp_talk('127.0.0.1', $port{ECHO}, "x\n", half_close => 1), "x\n",
    'INTERNAL UNLISTED echo, stream: on its port');
is(udp_ask('127.0.0.1', $port{ECHO}, "y"), 'y', 'and dgram');

# A line from the server, or '' if none comes within $wait seconds.
sub read_line {
	my ($s, $wait) = @_;
	my $sel = IO::Select->new($s);
	my $line = '';
	while ($line !~ /\n/ && $sel->can_read($wait)) {
		my $n = sysread($s, my $buf, 256);
		last unless $n;
		$line .= $buf;
	}
	return $line;
}

sub greet {
	my ($port, %o) = @_;
	my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $port,
	    Type => Socket::SOCK_STREAM(), Timeout => 5,
	    ($o{from} ? (LocalHost => $o{from}) : ())) or return;
	return ($s, read_line($s, $o{wait} // 5));
}

subtest 'instances = 2: the third client waits for one of two' => sub {
	my ($a, $la) = greet($port{TWO});
	my ($b, $lb) = greet($port{TWO});
	is("$la$lb", "hello\nhello\n", 'two servers greet');
	my ($c, $lc) = greet($port{TWO}, wait => 1);
	ok($c, 'the third connects (the backlog)');
	is($lc, '', 'and is not served');
	close($a);
	my $more = read_line($c, 5);
	is($more, "hello\n", 'until the first ends');
	close($_) for $b, $c;
};

subtest 'per_source = 1: a second client from one address is turned away' => sub {
	my ($a, $la) = greet($port{PERIP});
	is($la, "hello\n", 'the first is served');
	my ($b, $lb) = greet($port{PERIP}, wait => 2);
	is($lb, '', 'the second from 127.0.0.1 is not');
	ok($d->wait_log(qr/connection refused peer=127\.0\.0\.1:\d+ reason=max-perip/),
	    'refused, reason=max-perip');
	my ($c, $lc) = greet($port{PERIP}, from => '127.0.0.2');
	is($lc, "hello\n", 'one from 127.0.0.2 is');
	close($_) for grep { $_ } $a, $b, $c;
};

subtest 'only_from, rlimit_files, nice: the policy' => sub {
	my ($a, $la) = greet($port{ONLY}, wait => 2);
	is($la, '', '127.0.0.1 is refused');
	my ($b, $lb) = greet($port{ONLY}, from => '127.0.0.2');
	is($lb, "hello nofile=37 nice=7\n",
	    '127.0.0.2 is served, with rlimit nofile 37 and nice 7');
	close($_) for grep { $_ } $a, $b;
};

ok(!defined(tcp_connect('127.0.0.1', $port{OFF}, timeout => 2)),
    'disable = yes: nothing listens');
is($d->stop >> 8, 0, 'stopped');

SKIP: {
	my $f = build_dir() . '/peers/root/etc/xinetd.d/echo';
	skip 'no xinetd under build/peers (make peers)', 4 unless -f $f;
	# As an administrator enables it; on a free port, not 7.
	(my $t = Sinetd::slurp($f)) =~ s/disable\s*=\s*yes/disable = no/g;
	$t =~ s/^(\s*)type(\s*)= INTERNAL$/$1type$2= INTERNAL UNLISTED\n$1port = $port{DEB}\n$1bind = 127.0.0.1/mg;
	mkdir("$dir/deb");
	write_file("$dir/deb/echo", $t);
	$out = `'$ctl' import-xinetd -o '$dir/deb-out' '$dir/deb' 2>&1`;
	is($? >> 8, 0, "Debian's echo file, enabled: imported") or diag($out);
	mkdir("$dir/deb-out/policy");
	my $e = Sinetd->start(conf => Sinetd::slurp("$dir/deb-out/inetd.conf"),
	    args => [ '-P', "$dir/deb-out/policy" ]);
	is(tcp_talk('127.0.0.1', $port{DEB}, "z\n", half_close => 1), "z\n",
	    'its stream echo answers');
	is(udp_ask('127.0.0.1', $port{DEB}, "w"), 'w', 'and its dgram echo');
	is($e->stop >> 8, 0, 'stopped');
}

done_testing();
