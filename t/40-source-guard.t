# SPDX-License-Identifier: ISC
# The UDP loop and reflection guard and the FTP bounce guard, end to end:
# refused sources get nothing, one log line a minute, and cost nothing else.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Socket qw(SOCK_STREAM);
use Test::More;
use Sinetd;

my $echo = free_port();
my $cg = free_port();
my $d = Sinetd->start(conf => <<"EOF");
127.0.0.1,[::1]:$echo dgram udp wait nobody internal echo
127.0.0.1,[::1]:$echo stream tcp nowait nobody internal echo
127.0.0.1:$cg dgram udp wait nobody internal chargen
EOF

is(udp_ask('127.0.0.1', $echo, 'hi'), 'hi', 'an ordinary loopback source is answered');

SKIP: {
	skip 'port 2049 is in use here', 3 unless port_free(2049);
	for (1 .. 5) {
		is(udp_ask('127.0.0.1', $echo, 'loop', local_port => 2049,
		    timeout => 0.3), undef, 'no answer to the NFS port')
		    if $_ == 1;
		udp_ask('127.0.0.1', $echo, 'loop', local_port => 2049,
		    timeout => 0.1) if $_ > 1;
	}
	ok($d->wait_log(worker_said(undef, qr/udp request refused peer=127\.0\.0\.1:2049 reason=nfs-port"/)),
	    'the refusal is logged with the peer and the reason');
	is($d->count_log(worker_said(undef, qr/[^"]*refused peer=127\.0\.0\.1:2049 /)), 1,
	    'once a minute per source, not once per datagram');
}

# sinetd holds 127.0.0.1:$cg; the client takes the same port on ::1.
is(udp_ask('::1', $echo, 'loop', local_host => '::1', local_port => $cg,
    timeout => 0.5), undef, 'no answer to the port of an internal UDP service');
ok($d->wait_log(worker_said(undef, qr/udp request refused peer=\[::1\]:$cg reason=internal-service-port"/)),
    'logged as internal-service-port');

SKIP: {
	skip 'binding port 19 and 20 needs root', 4 if !privileged();
	is(udp_ask('127.0.0.1', $echo, 'loop', local_port => 19,
	    timeout => 0.5), undef, 'no answer to chargen\'s port 19');
	ok($d->wait_log(worker_said(undef, qr/udp request refused peer=127\.0\.0\.1:19 reason=reserved-port"/)),
	    'logged as reserved-port');

	my $s = Sinetd::tcp_connect('127.0.0.1', $echo,
	    opts => { LocalPort => 20, ReuseAddr => 1 });
	my $got = '';
	if ($s) {
		syswrite($s, "bounce\n");
		$got = Sinetd::read_some($s, 100, 1);
	}
	is($got, '', 'a TCP connection from port 20 is dropped unanswered');
	ok($d->wait_log(worker_said(undef, qr/connection refused peer=127\.0\.0\.1:20 reason=source-port-20"/)),
	    'and logged');
}

is(udp_ask('::1', $echo, 'still'), 'still', 'the service goes on serving');
is(Sinetd::tcp_talk('127.0.0.1', $echo, "tcp\n", half_close => 1), "tcp\n",
    'and so does its TCP twin');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
