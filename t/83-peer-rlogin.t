# SPDX-License-Identifier: ISC
# rlogin end to end: the real client (rsh-client's rlogin, driven by
# expect) against in.rlogind from rsh-server with its Debian PAM file,
# under the shipped login.policy: the user's .rhosts trusts root at
# localhost, so the session starts with no password; id, then logout.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/in.rlogind', '/usr/bin/netkit-rlogin',
    '/usr/bin/expect', '/bin/login', '/usr/sbin/useradd'], pam => ['rlogin']);
my $u = test_user();
trust_root($u);

each_form(sub {
	my ($form) = @_;
	my ($d, $port) = serve(form => $form, program => 'in.rlogind',
	    policy => 'login.policy');

	my ($out, $rc) = expect_run(<<~"EOS", 40);
	spawn netkit-rlogin -p $port -l $u->{name} 127.0.0.1
	expect {
		"assword:" { puts "\\nASKED-PASSWORD"; exit 3 }
		"\\\$ " { send "id; echo DO''NE\\r" }
	}
	expect "DONE\\r"
	expect "\\\$ " { send "exit\\r" }
	expect eof
	EOS
	is($rc, 0, 'expect ran the whole dialogue') or diag($out);
	unlike($out, qr/ASKED-PASSWORD/, '.rhosts: no password asked');
	like($out, qr/uid=$u->{uid}\($u->{name}\) gid=$u->{gid}\b/,
	    'id: the user, its uid and gid');
	not_killed($d, $port, 'rlogin');
	my $last = `last -w -f /var/log/wtmp $u->{name} 2>&1`;
	like($last, qr/^$u->{name}\s+pts\/\d+/m, 'the session is in wtmp') or diag($last);
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
