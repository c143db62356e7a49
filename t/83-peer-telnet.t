# SPDX-License-Identifier: ISC
# telnet end to end: the real client (inetutils-telnet, driven by expect)
# against the real telnetd from inetutils-telnetd and Debian's login and
# PAM stack, under the shipped telnet.policy: a user logs in with a
# password, runs id, is in utmp while logged in, and logs out; the
# session is in wtmp and lastlog afterwards.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/telnetd', '/usr/bin/inetutils-telnet',
    '/usr/bin/expect', '/bin/login', '/usr/sbin/useradd']);
my $u = test_user();
each_form(sub {
	my ($form) = @_;
	my ($d, $port) = serve(form => $form, program => 'telnetd',
	    policy => 'telnet.policy');

	my ($out, $rc) = expect_run(<<~"EOS", 40);
	spawn inetutils-telnet 127.0.0.1 $port
	expect "login: " { send "$u->{name}\\r" }
	expect "Password:" { send "$u->{pass}\\r" }
	expect "\\\$ " { send "id; who; echo DO''NE\\r" }
	expect "DONE\\r"
	expect "\\\$ " { send "exit\\r" }
	expect "Connection closed by foreign host."
	expect eof
	EOS
	is($rc, 0, 'expect ran the whole dialogue') or diag($out);
	like($out, qr/uid=$u->{uid}\($u->{name}\) gid=$u->{gid}\b/,
	    'id: the user, its uid and gid');
	like($out, qr/^$u->{name}\s+pts\/\d+/m, 'who: the session is in utmp');
	like($out, qr/Connection closed by foreign host\./,
	    'exit: the server closes the connection');
	unlike(substr($out, 0, index($out, 'DONE') // 0), qr/Connection closed/,
	    'and not before the shell ran');
	not_killed($d, $port, 'telnet');

	my $last = `last -w -f /var/log/wtmp $u->{name} 2>&1`;
	like($last, qr/^$u->{name}\s+pts\/\d+/m, 'the session is in wtmp') or diag($last);
	my $lastlog = `lastlog -u $u->{name} 2>&1`;
	unlike($lastlog, qr/\*\*Never logged in\*\*/, 'and in lastlog') or diag($lastlog);
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
