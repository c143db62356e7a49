# SPDX-License-Identifier: ISC
# Binding: a UDP port that another socket holds is an error, as for TCP,
# never a silent share of its traffic; a bind that failed is tried again
# with a back-off until it works.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::IP;
use Socket qw(SOL_SOCKET SO_REUSEADDR SOCK_DGRAM SOCK_STREAM);
use File::Temp ();
use Test::More;
use Sinetd;

subtest 'a UDP port held by another socket is refused, not shared' => sub {
	my $port = free_port();
	# The holder asks for sharing: with SO_REUSEADDR on both sides the
	# kernel would let a second bind in.
	my $holder = IO::Socket::IP->new(LocalHost => '127.0.0.1',
	    LocalPort => $port, Proto => 'udp', ReuseAddr => 1)
	    or die "bind: $!";
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port dgram udp wait nobody internal echo\n");
	ok($d->wait_log(qr/cannot listen service=$port proto=udp .*step=bind .*error="Address already in use"/, 5),
	    'the clash is reported') or diag($d->log_text);
	my ($rc, $out) = $d->ctl('-k', 'status', $port);
	is($rc, 0, 'status answers');
	like($out // '', qr/state=failed/, 'and the service is failed, '
	    . 'not serving beside the holder');
	is($d->stop >> 8, 0, 'clean stop');
	close($holder);
};

subtest 'a failed bind is tried again, and served once it works' => sub {
	my $port = free_port();
	my $holder = IO::Socket::IP->new(LocalHost => '127.0.0.1',
	    LocalPort => $port, Proto => 'tcp', Listen => 1, ReuseAddr => 1)
	    or die "listen: $!";
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	ok($d->wait_log(qr/cannot listen service=$port .*retry_in=1000ms/, 5),
	    'the failure says when it is tried again');
	close($holder);
	ok($d->wait_log(qr/listening after \d+ failed attempts service=$port /,
	    10), 'once the port is free, it listens')
	    or diag($d->log_text);
	is(Sinetd::tcp_talk('127.0.0.1', $port, "again\n", half_close => 1),
	    "again\n", 'and serves');
	is($d->count_log(qr/cannot listen service=$port /), 1,
	    'the failure was said once, not at every attempt');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a reload that cannot update a kept socket says failed' => sub {
	my $d0 = File::Temp::tempdir(CLEANUP => 1);
	my $sock = "$d0/cat.sock";
	my $line = ":nobody:nogroup:%s:$sock stream unix nowait nobody /bin/cat cat\n";
	my $d = Sinetd->start(conf => sprintf($line, '0660'));
	ok(-S $sock, 'the unix socket is there');
	# Its path gone, a new mode cannot be applied to the socket kept.
	unlink($sock);
	write_file($d->{conf}, sprintf($line, '0600'));
	my ($rc, $out, $err) = $d->ctl('reload');
	ok($d->wait_log(qr/reload done .*failed=1/, 5),
	    'the reload says failed=1') or diag($d->log_text);
	like($d->log_text, qr/cannot update the socket, it serves as it was .*step=ch(?:own|mod)/,
	    'and names the step');
	isnt($rc, 0, 'sinetctl reload does not say it all applied');
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
